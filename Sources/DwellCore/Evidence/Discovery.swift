import Foundation

/// One input to read: a file found on the command line or under a directory, or standard input.
public struct EvidenceFile: Sendable, Hashable {
    /// Index in the run's manifest (after ordering).
    public var id: UInt32
    /// The path as opened.
    public var path: String
    /// The path shown in reports: relative to the directory given on the command line (prefixed by its name).
    public var displayPath: String
    /// The host the file belongs to, when the layout says so (`<host>/var/log/...` under the root).
    public var hostHint: String?
    /// The rotation set (directory + base name) and this file's place in it, oldest first.
    public var rotationSet: String
    public var rotationIndex: Int
    public var rotationCount: Int
    public var isStdin: Bool
    /// Size on disk and modification time (µs since the epoch), when known.
    public var sizeBytes: Int64
    public var modificationTime: Timestamp?

    public static func stdin(id: UInt32) -> EvidenceFile {
        EvidenceFile(
            id: id, path: "-", displayPath: "(stdin)", hostHint: nil, rotationSet: "(stdin)", rotationIndex: 0,
            rotationCount: 1, isStdin: true, sizeBytes: -1, modificationTime: nil)
    }
}

/// A problem found while finding or reading evidence, with its place. The run goes on.
public struct EvidenceIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case notFound = "not_found"
        case unreadable
        case vanished
        case directoryUnreadable = "directory_unreadable"
        case empty
        case gzipTruncated = "gzip_truncated"
        case gzipCorrupt = "gzip_corrupt"
        case trailingGarbage = "trailing_garbage"
        /// ISA-L reported corrupt data where zlib read on without a problem (zlib's reading was used; not a problem).
        case inflaterDisagreement = "inflater_disagreement"
        case unsupportedCompression = "unsupported_compression"
        case binary
        case nulBytes = "nul_bytes"
        case lineTooLong = "line_too_long"
        case noTrailingNewline = "no_trailing_newline"
        case truncatedRecord = "truncated_record"
        case damagedStructure = "damaged_structure"  // a record-framed file's header, chunk or record (EVTX)
        case duplicate
        case readError = "read_error"
        case unknownFormat = "unknown_format"
        /// A systemd journal with damaged, cut or not yet linked objects (see `JournalReader.Damage`).
        case journalDamaged = "journal_damaged"
        /// A systemd journal still open for writing, or not closed cleanly (state ONLINE, `*.journal~`).
        case journalOnline = "journal_online"
    }

    public var kind: Kind
    public var path: String
    /// Byte offset: in the decompressed stream for line problems, in the file on disk for compression problems.
    public var offset: UInt64?
    public var line: UInt64?
    /// For people: what happened, what was kept, what to do.
    public var message: String
    /// Whether this issue means some evidence could not be read (drives exit status 3).
    public var isProblem: Bool

    public init(kind: Kind, path: String, offset: UInt64? = nil, line: UInt64? = nil, message: String, isProblem: Bool = true)
    {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.line = line
        self.message = message
        self.isProblem = isProblem
    }

    public var description: String {
        var where_ = path
        if let line { where_ += ":\(line)" }
        if let offset { where_ += " (byte \(offset))" }
        return "\(where_): \(message)"
    }
}

/// Finds evidence files under the given paths and orders them: rotation sets oldest first.
public struct Discovery {
    /// Lists a directory; injectable so tests can simulate unreadable directories even as root.
    package var listDirectory: (String) throws -> [String]

    public init() {
        listDirectory = { path in try FileManager.default.contentsOfDirectory(atPath: path) }
    }

    public struct Result: Sendable {
        public var files: [EvidenceFile]
        public var issues: [EvidenceIssue]
    }

    /// Walks the inputs. `-` is standard input. Directories are walked recursively (symbolic links to
    /// directories are not followed, so a mounted image cannot loop us); hidden entries are included.
    public func discover(_ inputs: [String]) -> Result {
        var found: [(path: String, display: String, host: String?)] = []
        var issues: [EvidenceIssue] = []
        var sawStdin = false
        for input in inputs {
            if input == "-" {
                sawStdin = true
                continue
            }
            var st = stat()
            guard lstat(input, &st) == 0 else {
                let e = errno
                issues.append(
                    EvidenceIssue(
                        kind: .notFound, path: input,
                        message: "cannot open: \(String(cString: strerror(e))); check the path"))
                continue
            }
            if st.st_mode & S_IFMT == S_IFLNK {
                // A link given by name is followed (the user asked for it).
                guard stat(input, &st) == 0 else {
                    issues.append(EvidenceIssue(kind: .notFound, path: input, message: "dangling symbolic link"))
                    continue
                }
            }
            if st.st_mode & S_IFMT == S_IFDIR {
                let rootName = URL(fileURLWithPath: input).standardizedFileURL.lastPathComponent
                walk(input, relative: "", rootName: rootName, into: &found, issues: &issues)
            } else if st.st_mode & S_IFMT == S_IFREG {
                found.append((input, input, Discovery.hostHint(fromRelativePath: input, underDirectoryInput: false)))
            } else {
                issues.append(
                    EvidenceIssue(
                        kind: .unreadable, path: input, message: "not a regular file or directory; skipped",
                        isProblem: false))
            }
        }
        var files = Discovery.order(found)
        if sawStdin { files.append(.stdin(id: 0)) }
        for i in files.indices { files[i].id = UInt32(i) }
        return Result(files: files, issues: issues)
    }

    private func walk(
        _ dir: String, relative: String, rootName: String, into found: inout [(path: String, display: String, host: String?)],
        issues: inout [EvidenceIssue]
    ) {
        let names: [String]
        do {
            names = try listDirectory(dir)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error)"
            issues.append(
                EvidenceIssue(
                    kind: .directoryUnreadable, path: dir,
                    message: "directory cannot be listed (\(reason)); its files were not read. Check permissions"))
            return
        }
        for name in names.sorted() {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else {
                issues.append(EvidenceIssue(kind: .vanished, path: path, message: "vanished while listing"))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, relative: rel, rootName: rootName, into: &found, issues: &issues)
            case S_IFREG:
                found.append((path, rootName + "/" + rel, Discovery.hostHint(fromRelativePath: rel)))
            default:
                continue  // sockets, fifos, devices and links inside an image are not evidence files
            }
        }
    }

    /// The host a path belongs to: the segment before `var/log` (an image root such as `web01/var/log/auth.log`),
    /// or before a sensor's log folder (`sensor/zeek/...`, `ids1/suricata/eve.json`), or — for a path relative to a
    /// directory input, with at least two more levels — its first segment (`fw01/logs/filter.log`). A file named
    /// directly (`/tmp/case/conn.log`) gets no first-segment guess: `tmp` is not a host.
    public static func hostHint(fromRelativePath rel: String, underDirectoryInput: Bool = true) -> String? {
        let parts = rel.split(separator: "/").map(String.init)
        if let i = parts.indices.dropLast().first(where: { parts[$0] == "var" && parts[$0 + 1] == "log" }), i > 0 {
            return parts[i - 1]
        }
        let sensorFolders: Set<String> = ["zeek", "bro", "suricata", "nsm"]
        if let i = parts.indices.dropLast().last(where: { sensorFolders.contains(parts[$0].lowercased()) }), i > 0,
            !parts[i - 1].hasPrefix(".")
        {
            return parts[i - 1]
        }
        if underDirectoryInput, parts.count >= 3, !parts[0].hasPrefix("."), parts[0] != "var", parts[0] != "log" {
            return parts[0]
        }
        return nil
    }

    /// Orders files by rotation set, each set oldest first; sets sorted by name.
    static func order(_ found: [(path: String, display: String, host: String?)]) -> [EvidenceFile] {
        struct Keyed {
            var item: (path: String, display: String, host: String?)
            var key: RotationName
        }
        let keyed = found.map {
            Keyed(item: $0, key: RotationName(journalAt: $0.path, display: $0.display) ?? RotationName(path: $0.display))
        }
        var bySet: [String: [Keyed]] = [:]
        for k in keyed { bySet[k.key.setName, default: []].append(k) }
        var out: [EvidenceFile] = []
        for setName in bySet.keys.sorted() {
            let members = (bySet[setName] ?? []).sorted { a, b in
                a.key.age != b.key.age ? a.key.age > b.key.age : a.item.display < b.item.display
            }
            for (i, m) in members.enumerated() {
                var st = stat()
                let ok = stat(m.item.path, &st) == 0
                let mtime = ok ? Timestamp(microseconds: Int64(st.st_mtim.tv_sec) * 1_000_000 + Int64(st.st_mtim.tv_nsec / 1000)) : nil
                out.append(
                    EvidenceFile(
                        id: 0, path: m.item.path, displayPath: m.item.display, hostHint: m.item.host,
                        rotationSet: setName, rotationIndex: i, rotationCount: members.count, isStdin: false,
                        sizeBytes: ok ? Int64(st.st_size) : -1, modificationTime: mtime))
            }
        }
        return out
    }
}

/// A logrotate file name taken apart: `auth.log.2.gz` → set `auth.log`, age 2; `auth.log-20260312.gz` →
/// set `auth.log`, age ordered by date (older dates are older); `auth.log` → age 0 (the current file).
public struct RotationName: Sendable {
    public var setName: String
    /// Larger is older. Numbered members use their number; dated members a value that puts older dates first.
    public var age: Int64

    /// A systemd journal's place among its rotations: `system.journal`, `system@SEQNUMID-SEQNUM-TIME.journal` and
    /// `system@TIME-RANDOM.journal~` form the set `DIR/system.journal`, ordered by the header's head entry time
    /// oldest first. `nil` when the name is not a journal's or the file has no
    /// journal header (the content decides; a journal under another name is read but not ordered). Ties keep
    /// name order.
    public init?(journalAt path: String, display: String) {
        let slash = display.lastIndex(of: "/")
        let dir = slash.map { String(display[..<$0]) + "/" } ?? ""
        let name = slash.map { String(display[display.index(after: $0)...]) } ?? display
        guard name.hasSuffix(".journal") || name.hasSuffix(".journal~") else { return nil }
        guard let fd = fopen(path, "rb") else { return nil }
        defer { fclose(fd) }
        var head = [UInt8](repeating: 0, count: JournalHeader.minimumBytes)
        let n = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, fd) }
        guard n == head.count, let header = head.withUnsafeBytes({ JournalHeader($0) }) else { return nil }
        var base = name.hasSuffix("~") ? String(name.dropLast(9)) : String(name.dropLast(8))
        if let at = base.firstIndex(of: "@") { base = String(base[..<at]) }
        setName = dir + base + ".journal"
        // Larger is older: the head entry's time (µs), counted down from a constant above any real time.
        age = 4_000_000_000_000_000 - min(max(header.headEntryRealtime.microseconds, 0), 4_000_000_000_000_000)
    }

    public init(path: String) {
        var name = path
        for ext in [".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z"] where name.hasSuffix(ext) {
            name = String(name.dropLast(ext.count))
            break
        }
        // Numbered: base.N
        if let dot = name.lastIndex(of: "."), let n = Int(name[name.index(after: dot)...]),
            !name[name.index(after: dot)...].isEmpty, n >= 0, n < 100_000
        {
            setName = String(name[..<dot])
            age = Int64(n)
            return
        }
        // dateext: base-YYYYMMDD[HH] (also base-YYYY-MM-DD)
        if let dash = name.lastIndex(of: "-") {
            let tail = name[name.index(after: dash)...].filter { $0 != "-" }
            if (tail.count == 8 || tail.count == 10), let v = Int64(tail) {
                setName = String(name[..<dash])
                let stamp = tail.count == 8 ? v * 100 : v
                age = 10_000_000_000 - stamp  // older stamps are larger ages, all above any plain number
                return
            }
        }
        setName = name
        age = 0
    }
}
