import DwellCore

/// Reads the message of a netfilter `LOG` line (iptables, nftables `log`, UFW, firewalld, Proxmox) into a
/// `.firewall` event. The syslog parser calls it for `kernel:` lines holding `SRC=`; `NetfilterParser` uses it for
/// kern.log files and Proxmox firewall logs.
///
///     [50028442.088484] [UFW BLOCK] IN=enp1s0 OUT= MAC=00:08:… SRC=195.54.160.107 DST=51.15.166.67 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 RES=0x00 SYN URGP=0
///
/// The log prefix (the text before the first `IN=`/`OUT=`/`MAC=`/`SRC=`/`PHYSIN=`, after the kernel's uptime
/// stamp) is kept in `signature` and read for the action: `ALLOW`/`ACCEPT` → `allow` (outcome success),
/// `BLOCK`, `DROP`, `REJECT`, `DENY` → that word (outcome failure), `AUDIT` → `audit`. `detail` holds the action
/// followed by the TCP flags (`block SYN`, `drop ACK,FIN`). `IN=`/`OUT=` go to `inInterface`/`outInterface`,
/// `SRC`/`DST`/`SPT`/`DPT` to the endpoints, `PROTO` (lower-cased) to `networkProtocol`.
public enum NetfilterMessage {
    /// Fills `event` from the netfilter message starting at `messageStart`, and makes it a `.firewall` event.
    /// - Returns: whether the message was recognised (it has `SRC=` with a valid address). When `false`, the
    ///   event is left unchanged.
    /// - Complexity: O(*n*) in the message length; no allocation once the symbol table is warm.
    public static func parse(
        _ line: Span<UInt8>, from messageStart: Int, into event: inout Event, context: inout ParseContext
    ) -> Bool {
        let s = line
        let n = s.count
        guard messageStart >= 0, messageStart < n, let srcKey = s.find("SRC=", from: messageStart),
            srcKey == messageStart || s[srcKey - 1] == UInt8(ascii: " ")
        else { return false }
        var i = messageStart
        // Kernel uptime stamp: "[50028442.088484] " or "[  203.842973] ".
        if s[i] == UInt8(ascii: "["), let close = s.firstIndex(of: UInt8(ascii: "]"), from: i + 1), close < srcKey {
            var stamp = true
            for k in (i + 1)..<close {
                let c = s[k]
                if !(c == UInt8(ascii: " ") || c == UInt8(ascii: ".") || c &- UInt8(ascii: "0") < 10) {
                    stamp = false
                    break
                }
            }
            if stamp { i = s.skipSpaces(from: close + 1) }
        }
        // The prefix ends at the first netfilter key.
        let prefixStart = i
        var prefixEnd = srcKey
        var k = i
        while k < srcKey {
            if k == prefixStart || s[k - 1] == UInt8(ascii: " ") {
                if s.matches("IN=", at: k) || s.matches("OUT=", at: k) || s.matches("MAC=", at: k)
                    || s.matches("PHYSIN=", at: k)
                {
                    prefixEnd = k
                    break
                }
            }
            k += 1
        }
        var working = event
        var pe = prefixEnd
        while pe > prefixStart, s[pe - 1] == UInt8(ascii: " ") { pe -= 1 }
        let prefix = prefixStart..<pe
        var action: StaticString?
        var outcome = Outcome.unknown
        if !prefix.isEmpty {
            working.signature = context.symbols.intern(s, prefix)
            if s.containsIgnoringCase(prefix, "reject") {
                action = "reject"
            } else if s.containsIgnoringCase(prefix, "drop") {
                action = "drop"
            } else if s.containsIgnoringCase(prefix, "block") {
                action = "block"
            } else if s.containsIgnoringCase(prefix, "deny") || s.containsIgnoringCase(prefix, "denied") {
                action = "deny"
            } else if s.containsIgnoringCase(prefix, "allow") || s.containsIgnoringCase(prefix, "accept") {
                action = "allow"
            } else if s.containsIgnoringCase(prefix, "audit") {
                action = "audit"
            }
            if let a = action {
                let startsWithA = a.utf8Start[0] == UInt8(ascii: "a")
                let isAllow = startsWithA && a.utf8Start[1] == UInt8(ascii: "l")
                let isAudit = startsWithA && a.utf8Start[1] == UInt8(ascii: "u")
                outcome = isAllow ? .success : (isAudit ? .unknown : .failure)
            }
        }
        // KEY=VALUE words and bare flags.
        var flags: UInt8 = 0  // bit order: CWR ECE URG ACK PSH RST SYN FIN
        var sawSource = false
        var isTCP = false
        i = prefixEnd
        while i < n {
            if s[i] == UInt8(ascii: " ") {
                i += 1
                continue
            }
            let e = s.tokenEnd(from: i)
            let word = i..<e
            if let eq = s.firstIndex(of: UInt8(ascii: "="), from: i), eq < e {
                let key = i..<eq
                let value = eq + 1..<e
                if s.equals(key, "SRC") {
                    guard let ip = IPAddress.parse(s, value) else { return false }
                    working.sourceIP = ip
                    sawSource = true
                } else if s.equals(key, "DST") {
                    if let ip = IPAddress.parse(s, value) { working.destinationIP = ip }
                } else if s.equals(key, "IN") {
                    if !value.isEmpty { working.inInterface = context.symbols.intern(s, value) }
                } else if s.equals(key, "OUT") {
                    if !value.isEmpty { working.outInterface = context.symbols.intern(s, value) }
                } else if s.equals(key, "PROTO") {
                    working.networkProtocol = ProtocolName.symbol(s, value, &context.symbols)
                    isTCP = s.equalsIgnoringCase(value, "tcp")
                } else if s.equals(key, "SPT") {
                    if let p = s.parseUInt(value), p <= 65535 { working.setSourcePort(UInt16(p)) }
                } else if s.equals(key, "DPT") {
                    if let p = s.parseUInt(value), p <= 65535 { working.setDestinationPort(UInt16(p)) }
                }
            } else if isTCP {
                if s.equals(word, "SYN") {
                    flags |= 0x02
                } else if s.equals(word, "ACK") {
                    flags |= 0x10
                } else if s.equals(word, "FIN") {
                    flags |= 0x01
                } else if s.equals(word, "RST") {
                    flags |= 0x04
                } else if s.equals(word, "PSH") {
                    flags |= 0x08
                } else if s.equals(word, "URG") {
                    flags |= 0x20
                } else if s.equals(word, "ECE") {
                    flags |= 0x40
                } else if s.equals(word, "CWR") {
                    flags |= 0x80
                }
            }
            i = e
        }
        guard sawSource else { return false }
        working.kind = .firewall
        if outcome != .unknown { working.outcome = outcome }
        working.detail = detail(action: action, flags: flags, table: &context.symbols)
        event = working
        return true
    }

    static let flagNames: [(UInt8, StaticString)] = [
        (0x02, "SYN"), (0x10, "ACK"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH"), (0x20, "URG"), (0x40, "ECE"),
        (0x80, "CWR"),
    ]

    /// `block SYN,ACK`, `allow`, `SYN` or `.none`, built in a small stack buffer.
    static func detail(action: StaticString?, flags: UInt8, table: inout SymbolTable) -> Symbol {
        if action == nil && flags == 0 { return .none }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer -> Symbol in
            var n = 0
            func put(_ lit: StaticString) {
                for k in 0..<lit.utf8CodeUnitCount where n < 64 {
                    buffer[n] = lit.utf8Start[k]
                    n += 1
                }
            }
            if let a = action { put(a) }
            var first = true
            for (bit, name) in flagNames where flags & bit != 0 {
                if first {
                    if n > 0 { put(" ") }
                    first = false
                } else {
                    put(",")
                }
                put(name)
            }
            return table.intern(UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}
