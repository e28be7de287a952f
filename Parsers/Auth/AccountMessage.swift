import DwellCore

/// Structures shadow-utils account management messages (`useradd`, `usermod`, `userdel`, `groupadd`, `groupdel`,
/// `groupmod`, `passwd`, `chpasswd`, `gpasswd`, `chage`, `newusers`, Debian's `adduser`/`deluser`).
///
///     new user: name=backup2, UID=1001, GID=1001, home=/home/backup2, shell=/bin/bash, from=/dev/pts/0
///                                                  account_create, targetUser backup2, uid 1001
///     new group: name=backup2, GID=1001            account_create, detail backup2 (the group)
///     add 'backup2' to group 'sudo'                account_modify, targetUser backup2, detail sudo
///     add 'backup2' to shadow group 'sudo'         account_modify, targetUser backup2, detail sudo
///     delete user 'backup2'                        account_delete, targetUser backup2
///     removed group 'backup2' owned by 'backup2'   account_delete, detail backup2
///     password for 'alice' changed by 'root'       password_change, targetUser alice, user root
///     user alice added by root to group sudo       account_modify (gpasswd)
///
/// Other messages of these tools naming an account in quotes (`change user 'x' shell …`, `lock user 'x'
/// password`) are `account_modify` with that account. `pam_unix(passwd:chauthtok): password changed for X` is
/// `PAMMessage`'s.
enum AccountMessage {
    static func structure(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        e.outcome = .success
        if s.matches("new user: name=", at: m) {
            let a = m + 15
            let end = s.find(", ", from: a, to: hi) ?? hi
            e.kind = .accountCreate
            e.targetUser = c.symbols.intern(s, a..<end)
            if let r = MessageScan.keyValue(s, "UID=", lo: a, hi: hi) {
                var re = r.upperBound
                if re > r.lowerBound, s[re - 1] == UInt8(ascii: ",") { re -= 1 }
                if let v = s.parseUInt(r.lowerBound..<re), v <= UInt64(Int64.max) { e.uidValue = Int64(v) }
            }
        } else if s.matches("new group: name=", at: m) {
            groupName(s, m + 16, hi, .accountCreate, &e, &c)
        } else if s.matches("group added to ", at: m), let n = s.find("name=", from: m, to: hi) {
            groupName(s, n + 5, hi, .accountCreate, &e, &c)
        } else if s.matches("add '", at: m) {
            userToGroup(s, m + 4, hi, &e, &c)
        } else if s.matches("delete '", at: m) {
            userToGroup(s, m + 7, hi, &e, &c)
        } else if s.matches("delete user '", at: m) {
            e.kind = .accountDelete
            if let q = MessageScan.quoted(s, at: m + 12, hi: hi) { e.targetUser = c.symbols.intern(s, q) }
        } else if s.matches("removed group '", at: m) || s.matches("removed shadow group '", at: m)
            || s.matches("group '", at: m) && s.find("' removed", from: m, to: hi) != nil
        {
            e.kind = .accountDelete
            if let open = s.firstIndex(of: UInt8(ascii: "'"), from: m), let q = MessageScan.quoted(s, at: open, hi: hi) {
                e.detail = c.symbols.intern(s, q)
            }
        } else if s.matches("password for '", at: m) {
            e.kind = .passwordChange
            if let q = MessageScan.quoted(s, at: m + 13, hi: hi) {
                e.targetUser = c.symbols.intern(s, q)
                if let by = s.find(" by '", from: q.upperBound, to: hi), let b = MessageScan.quoted(s, at: by + 4, hi: hi) {
                    e.user = c.symbols.intern(s, b)
                }
            }
        } else if s.matches("user ", at: m), let by = s.find(" by ", from: m + 5, to: hi),
            let g = s.findLast(" group ", before: hi, notBefore: by)
        {
            // gpasswd: `user X added by Y to group Z`, `user X removed by Y from group Z`.
            let nameEnd = s.findLast(" added", before: by + 1, notBefore: m + 5)
                ?? s.findLast(" removed", before: by + 1, notBefore: m + 5) ?? by
            e.kind = .accountModify
            e.targetUser = c.symbols.intern(s, m + 5..<nameEnd)
            let actorEnd = s.find(" ", from: by + 4, to: hi) ?? hi
            e.user = c.symbols.intern(s, by + 4..<actorEnd)
            e.detail = c.symbols.intern(s, g + 7..<hi)
        } else if s.matches("changed password expiry for ", at: m) {
            e.kind = .accountModify
            e.targetUser = c.symbols.intern(s, m + 28..<hi)
        } else if s.matches("failed adding user '", at: m) {
            e.kind = .accountCreate
            e.outcome = .failure
            if let q = MessageScan.quoted(s, at: m + 19, hi: hi) { e.targetUser = c.symbols.intern(s, q) }
        } else if s.matches("change user ", at: m) || s.matches("lock user ", at: m) || s.matches("unlock user ", at: m)
            || s.matches("change user name ", at: m)
        {
            e.kind = .accountModify
            if let open = s.firstIndex(of: UInt8(ascii: "'"), from: m), open < hi,
                let q = MessageScan.quoted(s, at: open, hi: hi)
            {
                e.targetUser = c.symbols.intern(s, q)
            }
        } else {
            e.outcome = .unknown
        }
    }

    /// `name, GID=N` or `name` to the end.
    static func groupName(
        _ s: Span<UInt8>, _ a: Int, _ hi: Int, _ kind: EventKind, _ e: inout Event, _ c: inout ParseContext
    ) {
        let end = s.find(", ", from: a, to: hi) ?? hi
        e.kind = kind
        e.detail = c.symbols.intern(s, a..<max(a, end))
    }

    /// `'X' to group 'Y'`, `'X' to shadow group 'Y'`, `'X' from group 'Y'`.
    static func userToGroup(_ s: Span<UInt8>, _ q0: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        guard let user = MessageScan.quoted(s, at: q0, hi: hi),
            let g = s.find("group '", from: user.upperBound, to: hi),
            let group = MessageScan.quoted(s, at: g + 6, hi: hi)
        else { return }
        e.kind = .accountModify
        e.targetUser = c.symbols.intern(s, user)
        e.detail = c.symbols.intern(s, group)
    }
}
