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

    public init(
        id: UInt32, path: String, displayPath: String, hostHint: String?, rotationSet: String, rotationIndex: Int,
        rotationCount: Int, isStdin: Bool, sizeBytes: Int64, modificationTime: Timestamp?
    ) {
        self.id = id
        self.path = path
        self.displayPath = displayPath
        self.hostHint = hostHint
        self.rotationSet = rotationSet
        self.rotationIndex = rotationIndex
        self.rotationCount = rotationCount
        self.isStdin = isStdin
        self.sizeBytes = sizeBytes
        self.modificationTime = modificationTime
    }

    public static func stdin(id: UInt32) -> EvidenceFile {
        EvidenceFile(
            id: id, path: "-", displayPath: "(stdin)", hostHint: nil, rotationSet: "(stdin)", rotationIndex: 0,
            rotationCount: 1, isStdin: true, sizeBytes: -1, modificationTime: nil)
    }
}

extension EvidenceFile {
    /// The path shown for file `id` of a run whose files' shown paths are `paths`, or `file#id` when the list
    /// does not hold it: one fallback for every place that names a cited file.
    public static func displayPath(_ id: Int, in paths: [String]) -> String {
        id >= 0 && id < paths.count ? paths[id] : "file#\(id)"
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
        /// A FIFO, socket or device file in the evidence: listed with what it is, never opened (a FIFO blocks).
        case specialFile = "special_file"
        /// A symbolic link met while walking a directory: where it points and whether it was followed.
        case symbolicLink = "symbolic_link"
        /// A second path (hard link, repeated input, a link followed by name) to a file already listed: read once.
        case samePath = "same_file"
        /// A regular file that grew while it was read: what was there when it was opened was read.
        case grewWhileRead = "grew_while_read"
        /// A regular file that got shorter while it was read (truncated by another process).
        case shrankWhileRead = "shrank_while_read"
        /// A record-framed or journal file larger than dwell reads whole (`maxWholeFileBytes`).
        case tooLarge = "too_large"
        /// Gzip that inflates far beyond any log's ratio (a decompression bomb, or a file of zeros).
        case compressionRatio = "compression_ratio"
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

    /// A file's identity on disk: two paths with the same one are the same file (hard links, repeated inputs).
    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
        init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    /// What one walk has seen: each file's first name, the directories entered, and the trees' real roots.
    struct WalkState {
        var found: [(path: String, display: String, host: String?)] = []
        var issues: [EvidenceIssue] = []
        var firstName: [FileKey: String] = [:]
        var directories: Set<FileKey> = []
        var roots: [String] = []

        /// Adds a regular file unless the same file (device and inode) is listed already; then says so.
        mutating func add(_ st: stat, path: String, display: String, host: String?) {
            let key = FileKey(st)
            if let first = firstName[key] {
                issues.append(
                    EvidenceIssue(
                        kind: .samePath, path: display,
                        message: "the same file as \(first) (same device and inode: a hard link or a second path to it); read once, under that name",
                        isProblem: false))
                return
            }
            firstName[key] = display
            found.append((path, display, host))
        }
    }

    /// Walks the inputs. `-` is standard input. Directories are walked recursively; symbolic links met inside them
    /// are not followed (listed with their target: a link out of the tree would read the analyst's machine, and a
    /// link into it reaches a file the walk lists anyway); FIFOs, sockets and devices are listed, never opened.
    /// A file reached by two paths is read once. Hidden entries are included.
    public func discover(_ inputs: [String]) -> Result {
        var state = WalkState()
        var sawStdin = false
        // Every tree's real root first: a link from one tree into another given tree points inside the evidence.
        for input in inputs where input != "-" {
            var st = stat()
            if stat(input, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, let root = Discovery.realPath(input) {
                state.roots.append(root)
            }
        }
        for input in inputs {
            if input == "-" {
                sawStdin = true
                continue
            }
            var st = stat()
            guard lstat(input, &st) == 0 else {
                let e = errno
                state.issues.append(
                    EvidenceIssue(
                        kind: .notFound, path: input,
                        message: "cannot open: \(String(cString: strerror(e))); check the path"))
                continue
            }
            if st.st_mode & S_IFMT == S_IFLNK {
                // A link given by name is followed (the user asked for it).
                guard stat(input, &st) == 0 else {
                    let e = errno
                    let what = e == ELOOP ? "symbolic link loop" : "dangling symbolic link"
                    state.issues.append(
                        EvidenceIssue(
                            kind: .notFound, path: input,
                            message: "\(what) (→ \(Discovery.linkTarget(input))); nothing read"))
                    continue
                }
            }
            if st.st_mode & S_IFMT == S_IFDIR {
                let rootName = URL(fileURLWithPath: input).standardizedFileURL.lastPathComponent
                guard state.directories.insert(FileKey(st)).inserted else {
                    state.issues.append(
                        EvidenceIssue(
                            kind: .samePath, path: input, message: "a directory already walked (given twice?); not walked again",
                            isProblem: false))
                    continue
                }
                walk(input, relative: "", rootName: rootName, state: &state)
            } else if st.st_mode & S_IFMT == S_IFREG {
                state.add(st, path: input, display: input, host: Discovery.hostHint(fromRelativePath: input, underDirectoryInput: false))
            } else {
                state.issues.append(
                    EvidenceIssue(
                        kind: .specialFile, path: input,
                        message: "\(Discovery.kindName(st)): not read (only regular files and directories are; pipe a stream in as - instead)",
                        isProblem: false))
            }
        }
        var files = Discovery.order(state.found)
        if sawStdin { files.append(.stdin(id: 0)) }
        for i in files.indices { files[i].id = UInt32(i) }
        return Result(files: files, issues: state.issues)
    }

    private func walk(_ dir: String, relative: String, rootName: String, state: inout WalkState) {
        let names: [String]
        do {
            names = try listDirectory(dir)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error)"
            state.issues.append(
                EvidenceIssue(
                    kind: .directoryUnreadable, path: dir,
                    message: "directory cannot be listed (\(reason)); its files were not read. Check permissions"))
            return
        }
        for name in names.sorted() {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            let display = rootName + "/" + rel
            var st = stat()
            guard lstat(path, &st) == 0 else {
                state.issues.append(EvidenceIssue(kind: .vanished, path: path, message: "vanished while listing"))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                // A directory seen before (a bind mount inside the image) is not walked twice.
                guard state.directories.insert(FileKey(st)).inserted else {
                    state.issues.append(
                        EvidenceIssue(
                            kind: .samePath, path: display,
                            message: "a directory already walked under another name (a bind mount?); not walked again",
                            isProblem: false))
                    continue
                }
                walk(path, relative: rel, rootName: rootName, state: &state)
            case S_IFREG:
                state.add(st, path: path, display: display, host: Discovery.hostHint(fromRelativePath: rel))
            case S_IFLNK:
                state.issues.append(Discovery.describeLink(path, display: display, roots: state.roots))
            default:
                state.issues.append(
                    EvidenceIssue(
                        kind: .specialFile, path: display,
                        message: "\(Discovery.kindName(st)) in the evidence tree: listed, not read (never opened: a FIFO could block the run)",
                        isProblem: false))
            }
        }
    }

    /// What a non-regular entry is, for people.
    static func kindName(_ st: stat) -> String {
        switch st.st_mode & S_IFMT {
        case S_IFIFO: "FIFO (named pipe)"
        case S_IFSOCK: "socket"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        case S_IFLNK: "symbolic link"
        case S_IFDIR: "directory"
        default: "special file (mode \(String(st.st_mode & S_IFMT, radix: 8)))"
        }
    }

    /// The text of a symbolic link (what it points at, unresolved), or `?` when it cannot be read.
    static func linkTarget(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = buffer.withUnsafeMutableBufferPointer { p -> Int in
            guard let base = p.baseAddress else { return -1 }
            return readlink(path, base, 4096)
        }
        guard n >= 0 else { return "?" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The canonical absolute path (links resolved), or `nil` when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// A symbolic link met inside an evidence tree, said in full: where it points, whether that is inside the tree,
    /// and that it was not followed.
    static func describeLink(_ path: String, display: String, roots: [String]) -> EvidenceIssue {
        let target = linkTarget(path)
        var st = stat()
        if stat(path, &st) != 0 {
            let e = errno
            let message =
                e == ELOOP
                ? "symbolic link loop (→ \(target)): not followed"
                : "dangling symbolic link (→ \(target), \(String(cString: strerror(e)))): nothing to read"
            return EvidenceIssue(kind: .symbolicLink, path: display, message: message, isProblem: false)
        }
        let resolved = realPath(path) ?? target
        let inside = roots.contains { resolved == $0 || resolved.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
        let what = kindName(st)
        let message =
            inside
            ? "symbolic link to \(what) \(target) inside the evidence tree: not followed; the walk reads it under its own name"
            : "symbolic link pointing out of the evidence tree (→ \(target), \(what) \(resolved)): not followed (in a mounted image it would read the analyst's machine); give that path as an input to read it"
        return EvidenceIssue(kind: .symbolicLink, path: display, message: message, isProblem: false)
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
