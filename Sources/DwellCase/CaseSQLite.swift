import CSQLite
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import Foundation

/// Writes a case into an SQLite database (the system's libsqlite3), and runs read-only queries over one.
///
/// The schema is in docs/DESIGN.md ("The case in SQL"). Events hold integer ids; their text lives once in
/// `strings` (symbols), `addresses` and `files`, and the view `events_text` joins it back. Every text value is
/// bound as a parameter (never spliced into SQL), as dwell shows it (invalid UTF-8 as `\xNN`).
public enum CaseSQLite {
    public struct Export: Sendable {
        public var events: Int
        /// Seconds spent writing the events (rows and their indexes), for the events-per-second figure.
        public var eventSeconds: Double
        /// Of which inserting the rows, and building the indexes on them.
        public var rowSeconds: Double
        public var indexSeconds: Double
        /// The same in CPU seconds of the process (every thread, SQLite's sorter threads included): on a shared
        /// machine the wall times measure the load as much as the export.
        public var rowCPUSeconds: Double
        public var indexCPUSeconds: Double
        /// What each index cost, in the order built: its name, wall seconds and CPU seconds.
        public var indexCosts: [(name: String, seconds: Double, cpuSeconds: Double)]
    }

    /// Wall and process CPU time since it was made.
    struct Stopwatch {
        static func now() -> (wall: Double, cpu: Double) {
            var w = timespec()
            var c = timespec()
            clock_gettime(CLOCK_MONOTONIC, &w)
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c)
            return (Double(w.tv_sec) + Double(w.tv_nsec) / 1e9, Double(c.tv_sec) + Double(c.tv_nsec) / 1e9)
        }
        let start = now()
        var elapsed: (wall: Double, cpu: Double) {
            let n = Self.now()
            return (n.wall - start.wall, n.cpu - start.cpu)
        }
    }

    /// The export's schema version (`case_info.schema_version`): 2 writes the events and their indexes page by
    /// page (`SQLiteTreeWriter`), in 4 KiB pages; the tables, columns, indexes and views are version 1's.
    public static let schemaVersion = 2

    /// The schema: tables (the events' from `eventColumns`), then `indexes` and `views`.
    public static let schema = """
        CREATE TABLE case_info(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, display_path TEXT, sha256 TEXT, size_bytes INTEGER,
          format TEXT, lines INTEGER, parsed INTEGER, rejected INTEGER, first_time_us INTEGER, last_time_us INTEGER);
        CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT);
        CREATE TABLE addresses(id INTEGER PRIMARY KEY, ip TEXT);
        CREATE TABLE kinds(id INTEGER PRIMARY KEY, name TEXT);
        \(eventTable)
        CREATE TABLE findings(id INTEGER PRIMARY KEY, rule TEXT, title TEXT, technique TEXT, severity TEXT,
          role TEXT, time_us INTEGER, last_time_us INTEGER, host TEXT, hits INTEGER, why TEXT, indicators TEXT,
          in_intrusion INTEGER);
        CREATE TABLE evidence(finding_id INTEGER, time_us INTEGER, file TEXT, line INTEGER, offset INTEGER, raw TEXT);
        CREATE TABLE scope(type TEXT, value TEXT, reason TEXT, first_seen_us INTEGER, last_seen_us INTEGER,
          hits INTEGER, file TEXT, line INTEGER, raw TEXT);
        CREATE TABLE lateral_edges(from_host TEXT, to_host TEXT, time_us INTEGER, account TEXT, method TEXT,
          file TEXT, line INTEGER, raw TEXT);
        CREATE TABLE timeline(time_us INTEGER, host TEXT, phase TEXT, kind TEXT, summary TEXT, file TEXT,
          line INTEGER, raw TEXT);
        CREATE TABLE manifest_issues(path TEXT, kind TEXT, line INTEGER, offset INTEGER, message TEXT);
        """

    /// The indexes of `events`: their names and columns (those on an indicator column hold only the events that
    /// have a value, `WHERE column IS NOT NULL`). `SQLiteTreeWriter` writes their pages.
    public static let eventIndexes: [(name: String, columns: [String], partial: Bool)] = [
        ("events_time", ["time_us"], false), ("events_host", ["host", "time_us"], false),
        ("events_src_ip", ["src_ip"], true), ("events_dst_ip", ["dst_ip"], true), ("events_user", ["user"], true),
        ("events_target_user", ["target_user"], true), ("events_path", ["path"], true),
        ("events_user_agent", ["user_agent"], true), ("events_domain", ["domain"], true),
        ("events_command", ["command"], true), ("events_file_hash", ["file_hash"], true),
    ]

    public static var indexes: String {
        eventIndexes.map { i in
            "CREATE INDEX \(i.name) ON events(\(i.columns.joined(separator: ", ")))"
                + (i.partial ? " WHERE \(i.columns[0]) IS NOT NULL" : "") + ";\n"
        }.joined() + """
            CREATE INDEX strings_text ON strings(text);
            CREATE INDEX addresses_ip ON addresses(ip);
            CREATE INDEX findings_time ON findings(time_us);
            CREATE INDEX timeline_time ON timeline(time_us);
            """
    }

    static func iso(_ column: String) -> String {
        "strftime('%Y-%m-%dT%H:%M:%fZ', \(column) / 1000000.0, 'unixepoch')"
    }

    public static let views = """
        CREATE VIEW events_text AS SELECT e.id, \(iso("e.time_us")) AS time, e.time_us, h.text AS host,
          k.name AS kind, CASE e.outcome WHEN 1 THEN 'success' WHEN 2 THEN 'failure' ELSE NULL END AS outcome,
          sa.ip AS src_ip, e.src_port, da.ip AS dst_ip, e.dst_port, u.text AS user, tu.text AS target_user,
          am.text AS auth_method, pr.text AS program, e.pid, cm.text AS command, hm.text AS http_method,
          pa.text AS path, q.text AS query, e.http_status, e.bytes_out, e.bytes_in, ua.text AS user_agent,
          dm.text AS domain, sv.text AS service, sg.text AS signature, e.severity, dt.text AS detail,
          fh.text AS file_hash, f.display_path AS file, e.line, e.offset
        FROM events e
          LEFT JOIN strings h ON h.id = e.host LEFT JOIN kinds k ON k.id = e.kind
          LEFT JOIN addresses sa ON sa.id = e.src_ip LEFT JOIN addresses da ON da.id = e.dst_ip
          LEFT JOIN strings u ON u.id = e.user LEFT JOIN strings tu ON tu.id = e.target_user
          LEFT JOIN strings am ON am.id = e.auth_method LEFT JOIN strings pr ON pr.id = e.program
          LEFT JOIN strings cm ON cm.id = e.command LEFT JOIN strings hm ON hm.id = e.http_method
          LEFT JOIN strings pa ON pa.id = e.path LEFT JOIN strings q ON q.id = e.query
          LEFT JOIN strings ua ON ua.id = e.user_agent LEFT JOIN strings dm ON dm.id = e.domain
          LEFT JOIN strings sv ON sv.id = e.service LEFT JOIN strings sg ON sg.id = e.signature
          LEFT JOIN strings dt ON dt.id = e.detail LEFT JOIN strings fh ON fh.id = e.file_hash
          LEFT JOIN files f ON f.id = e.file_id;
        CREATE VIEW attack_timeline AS SELECT \(iso("time_us")) AS time, host, phase, kind, summary, file, line, raw
          FROM timeline ORDER BY time_us, file, line;
        CREATE VIEW logins AS SELECT time, host, kind, outcome, user, target_user, auth_method, src_ip, src_port,
          program, file, line FROM events_text
          WHERE kind IN ('auth_success', 'auth_failure', 'invalid_user', 'session_open', 'logout', 'ntlm', 'kerberos', 'rdp');
        CREATE VIEW web_requests AS SELECT time, host, src_ip, http_method, path, query, http_status, bytes_out,
          user_agent, user, file, line FROM events_text WHERE kind = 'web_request';
        CREATE VIEW connections AS SELECT time, host, kind, src_ip, src_port, dst_ip, dst_port, service,
          bytes_out, bytes_in, outcome, signature, domain, file, line FROM events_text
          WHERE kind IN ('flow', 'firewall', 'connect', 'disconnect', 'ssh_session', 'smb', 'rdp', 'rpc', 'dns', 'http', 'tls', 'alert');
        """

    /// Writes `c` (and `investigation`, the case's findings correlated) into a new database at `path` (an
    /// existing file is replaced). SQLite writes the schema and every table but the events (left empty, with
    /// their indexes); `SQLiteTreeWriter` then writes the events' rows and indexes as pages. `pageSize` is 4 KiB
    /// unless a test asks for small pages (deep trees), and the pages are written in blocks of 8 MiB unless a test
    /// asks for many blocks (`blockBytes`).
    public static func export(
        _ c: Case, investigation inv: Investigation, to path: String, pageSize: Int = 4096, blockBytes: Int = 1 << 23
    ) throws(CaseError) -> Export {
        unlink(path)
        // The closures of `eventColumns` read the store through a pointer (see `EventValue`).
        let box = UnsafeMutablePointer<EventStore>.allocate(capacity: 1)
        box.initialize(to: c.store)
        defer {
            box.deinitialize(count: 1)
            box.deallocate()
        }
        let store = UnsafePointer(box)
        let roots = try writeTables(c, investigation: inv, to: path, pageSize: pageSize)
        var writer = try SQLiteTreeWriter(path: path, blockBytes: blockBytes)
        do throws(CaseError) {
            let rowClock = Stopwatch()
            guard let eventsRoot = roots["events"] else { throw CaseError("\(path): no events table was made") }
            let columns: [EventValue] = eventColumns.dropFirst().map { $0.value }
            let timeInOrder = (0..<max(store.pointee.count - 1, 0)).allSatisfy { store.pointee.time[$0] <= store.pointee.time[$0 + 1] }
            // Each index's order is computed on another thread one step ahead: the first while the rows are
            // written, the next while an index's pages are (two orders held at most).
            let ahead = OrdersAhead(count: eventIndexes.count, store: store)
            func keys(_ k: Int) -> [EventValue] {
                eventIndexes[k].columns.compactMap { name in eventColumns.first { $0.name == name }?.value }
            }
            func startOrder(_ k: Int) {
                guard k < eventIndexes.count else { return }
                let (index, keys) = (eventIndexes[k], keys(k))
                ahead.start(k) { store in
                    keyOrder(store, keys, byTime: index.columns[0] == "time_us", partial: index.partial, timeInOrder: timeInOrder)
                }
            }
            startOrder(0)
            defer { ahead.waitAll() }
            try writer.writeTable(root: eventsRoot, count: store.pointee.count) { i, record in
                record.null()  // `id` is the rowid: an INTEGER PRIMARY KEY column is stored as NULL
                for value in columns { record.int(value(store, i)) }
                return Int64(i)
            }
            let rowCost = rowClock.elapsed
            var indexCosts: [(name: String, seconds: Double, cpuSeconds: Double)] = []
            for (k, index) in eventIndexes.enumerated() {
                let clock = Stopwatch()
                guard let root = roots[index.name] else { throw CaseError("\(path): no index \(index.name) was made") }
                let keys = keys(k)
                let order = ahead.take(k)
                startOrder(k + 1)
                try order.withUnsafeBufferPointer { order throws(CaseError) in
                    try writer.writeIndex(root: root, count: order.count) { k, record in
                        let i = Int(order[k])
                        for key in keys { record.int(key(store, i)) }
                        record.int(Int64(i))
                    }
                }
                let cost = clock.elapsed
                indexCosts.append((index.name, cost.wall, cost.cpu))
            }
            try writer.finish()
            let all = rowClock.elapsed
            return Export(
                events: store.pointee.count, eventSeconds: all.wall, rowSeconds: rowCost.wall,
                indexSeconds: all.wall - rowCost.wall, rowCPUSeconds: rowCost.cpu, indexCPUSeconds: all.cpu - rowCost.cpu,
                indexCosts: indexCosts)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Makes the database with SQLite: the schema, every table but the events, the indexes (those of `events`
    /// over the empty table) and the views; closes it, and returns each tree's root page (`sqlite_schema`).
    static func writeTables(
        _ c: Case, investigation inv: Investigation, to path: String, pageSize: Int
    ) throws(CaseError) -> [String: UInt32] {
        let db = try Database(path: path, readOnly: false)
        try db.exec(
            "PRAGMA page_size=\(pageSize); PRAGMA auto_vacuum=NONE; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        )
        try db.exec(schema)
        try db.exec("BEGIN")
        let store = c.store
        var info: [(String, String)] = [
            ("schema_version", String(schemaVersion)), ("dwell_version", Case.toolVersion), ("case_directory", c.directory),
            ("inputs", c.inputs.joined(separator: "\n")), ("events", String(store.count)),
            ("seeds", inv.seeds.joined(separator: "\n")),
        ]
        if let a = inv.firstSeen { info.append(("attack_first_seen", a.iso8601())) }
        if let b = inv.lastSeen { info.append(("attack_last_seen", b.iso8601())) }
        try db.rows("INSERT INTO case_info VALUES (?, ?)", info) { s, row in
            s.text(1, row.0)
            s.text(2, row.1)
        }
        var statsByID: [UInt32: FileStats] = [:]
        for s in c.stats { statsByID[s.file.id] = s }
        try db.rows("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?)", c.evidence) { s, e in
            let st = statsByID[e.id]
            s.int(1, Int64(e.id))
            s.text(2, e.path)
            s.text(3, e.displayPath)
            s.text(4, st?.sha256)
            s.int(5, st.map { Int64(clamping: $0.rawBytes) })
            s.text(6, st?.format)
            s.int(7, st.map { Int64(clamping: $0.lines) })
            s.int(8, st.map { Int64(clamping: $0.parsed) })
            s.int(9, st.map { Int64(clamping: $0.rejected) })
            s.int(10, st?.firstTime?.microseconds)
            s.int(11, st?.lastTime?.microseconds)
        }
        let issues = c.discoveryIssues + c.stats.flatMap(\.issues)
        try db.rows("INSERT INTO manifest_issues VALUES (?,?,?,?,?)", issues) { s, i in
            s.text(1, i.path)
            s.text(2, i.kind.rawValue)
            s.int(3, i.line.map { Int64(clamping: $0) })
            s.int(4, i.offset.map { Int64(clamping: $0) })
            s.text(5, i.message)
        }
        try db.rows("INSERT INTO strings VALUES (?, ?)", 1..<max(store.symbols.count, 1)) { s, id in
            s.int(1, Int64(id))
            store.withSymbolBytes(UInt32(id)) { bytes in
                // ASCII (most symbols) is bound from the table's bytes; other text as dwell shows it.
                if bytes.allSatisfy({ $0 < 0x80 }) { s.bytes(2, bytes) } else { s.text(2, ByteText.string(bytes)) }
            }
        }
        try db.rows("INSERT INTO addresses VALUES (?, ?)", 1..<(store.addresses.count + 1)) { s, id in
            s.int(1, Int64(id))
            s.text(2, store.address(UInt32(id))?.description)
        }
        try db.rows("INSERT INTO kinds VALUES (?, ?)", EventKind.allCases) { s, k in
            s.int(1, Int64(k.rawValue))
            s.text(2, k.name)
        }
        try db.rows("INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", Array(inv.findings.enumerated())) {
            s, p in
            let f = p.element
            s.int(1, Int64(p.offset))
            s.text(2, f.rule.name)
            s.text(3, f.title)
            s.text(4, f.technique)
            s.text(5, f.severity.name)
            s.text(6, f.role.rawValue)
            s.int(7, f.time.microseconds)
            s.int(8, f.lastTime?.microseconds)
            s.text(9, f.host)
            s.int(10, Int64(f.count))
            s.text(11, f.why)
            s.text(12, f.indicators.joined(separator: " "))
            s.int(13, inv.isTied(f) ? 1 : 0)
        }
        let evidence = inv.findings.enumerated().flatMap { k, f in f.evidence.map { (k, $0) } }
        try db.rows("INSERT INTO evidence VALUES (?,?,?,?,?,?)", evidence) { s, p in
            s.int(1, Int64(p.0))
            s.int(2, p.1.time.microseconds)
            s.text(3, p.1.file)
            s.int(4, Int64(clamping: p.1.line))
            s.int(5, Int64(clamping: p.1.offset))
            s.text(6, ByteText.string(p.1.raw))
        }
        let scope: [(String, ScopeItem)] =
            inv.accounts.map { ("account", $0) } + inv.sourceIPs.map { ("source_ip", $0) }
            + inv.dataTouched.map { ("data", $0) } + inv.indicators.map { ("indicator:" + $0.type.name, $0) }
        var rows: [(String, String, String, Timestamp, Timestamp, Int, EvidenceRef?)] = scope.map {
            ($0.0, $0.1.value, $0.1.reason, $0.1.firstSeen, $0.1.lastSeen, $0.1.count, $0.1.evidence)
        }
        rows += inv.hosts.map { ("host", $0.host, $0.reason, $0.firstCompromise, $0.lastActivity, 0, $0.evidence) }
        try db.rows("INSERT INTO scope VALUES (?,?,?,?,?,?,?,?,?)", rows) { s, r in
            s.text(1, r.0)
            s.text(2, r.1)
            s.text(3, r.2)
            s.int(4, r.3.microseconds)
            s.int(5, r.4.microseconds)
            s.int(6, Int64(r.5))
            s.text(7, r.6?.file)
            s.int(8, r.6.map { Int64(clamping: $0.line) })
            s.text(9, r.6.map { ByteText.string($0.raw) })
        }
        try db.rows("INSERT INTO lateral_edges VALUES (?,?,?,?,?,?,?,?)", inv.edges) { s, e in
            s.text(1, e.from)
            s.text(2, e.to)
            s.int(3, e.time.microseconds)
            s.text(4, e.account)
            s.text(5, e.method)
            s.text(6, e.evidence.file)
            s.int(7, Int64(clamping: e.evidence.line))
            s.text(8, ByteText.string(e.evidence.raw))
        }
        try db.rows("INSERT INTO timeline VALUES (?,?,?,?,?,?,?,?)", inv.timeline) { s, t in
            s.int(1, t.time.microseconds)
            s.text(2, t.host)
            s.text(3, t.phase.rawValue)
            s.text(4, t.kind)
            s.text(5, t.summary)
            s.text(6, t.evidence.file)
            s.int(7, Int64(clamping: t.evidence.line))
            s.text(8, ByteText.string(t.evidence.raw))
        }
        try db.exec(indexes)
        try db.exec(views)
        try db.exec("COMMIT")
        var roots: [String: UInt32] = [:]
        for row in try db.query("SELECT name, rootpage FROM sqlite_schema WHERE tbl_name = 'events' AND rootpage > 0").rows {
            if let name = row[0], let page = row[1].flatMap({ UInt32($0) }) { roots[name] = page }
        }
        return roots
    }

    /// Index orders (`keyOrder`) computed on a global queue while the caller writes pages; `take` waits for one.
    /// The store is only read, by both threads.
    final class OrdersAhead: @unchecked Sendable {
        /// One order; written by the queue, read by the caller after its group's wait.
        final class Slot { var order: [Int32] = [] }
        let store: UnsafePointer<EventStore>
        let groups: [DispatchGroup]
        let slots: [Slot]

        init(count: Int, store: UnsafePointer<EventStore>) {
            self.store = store
            groups = (0..<count).map { _ in DispatchGroup() }
            slots = (0..<count).map { _ in Slot() }
        }

        func start(_ k: Int, _ work: @escaping @Sendable (UnsafePointer<EventStore>) -> [Int32]) {
            groups[k].enter()
            DispatchQueue.global().async { [self] in
                slots[k].order = work(store)
                groups[k].leave()
            }
        }

        /// Order `k` (started before), once computed; the slot lets go of it.
        func take(_ k: Int) -> [Int32] {
            groups[k].wait()
            defer { slots[k].order = [] }
            return slots[k].order
        }

        /// Waits for every order started (before the store they read is released).
        func waitAll() { for g in groups { g.wait() } }
    }

    /// The positions of the events an index holds, in the index's order: by its first column (NULL first; only
    /// the events with a value when `partial`), then by time, then by position. Id columns are ordered by
    /// counting (their values are ids of the symbol and address tables); time by the store's order, which is
    /// time order (`timeInOrder`; otherwise, and for ids too many to count, by sorting).
    /// - Complexity: O(*n* + the largest id) for ids; O(*n*) for the time when in order.
    static func keyOrder(
        _ store: UnsafePointer<EventStore>, _ keys: [EventValue], byTime: Bool, partial: Bool, timeInOrder: Bool
    ) -> [Int32] {
        guard let first = keys.first else { return [] }
        let n = store.pointee.count
        if byTime && keys.count == 1 && timeInOrder { return (0..<n).map { Int32($0) } }
        // Bucket 0 is NULL; id v goes in bucket v.
        var largest: Int64 = 0
        var small = !byTime
        for i in 0..<n where small {
            guard let v = first(store, i) else { continue }
            if v < 1 || v > 1 << 26 { small = false; break }
            largest = max(largest, v)
        }
        var order: [Int32]
        if small {
            var counts = [Int](repeating: 0, count: Int(largest) + 2)
            for i in 0..<n {
                if let v = first(store, i) { counts[Int(v) + 1] += 1 } else if !partial { counts[1] += 1 }
            }
            for b in 1..<counts.count { counts[b] += counts[b - 1] }
            order = [Int32](repeating: 0, count: counts[counts.count - 1])
            for i in 0..<n {
                let bucket: Int
                if let v = first(store, i) { bucket = Int(v) } else if !partial { bucket = 0 } else { continue }
                order[counts[bucket]] = Int32(i)
                counts[bucket] += 1
            }
            // Within a bucket positions are in order, which is the order of the further keys when they are the
            // time and the store is in time order.
            if keys.count == 1 || timeInOrder { return order }
        } else {
            order = (0..<n).compactMap { i in partial && first(store, i) == nil ? nil : Int32(i) }
        }
        order.sort { a, b in
            for key in keys {
                let x = key(store, Int(a))
                let y = key(store, Int(b))
                if x != y {
                    guard let x else { return true }  // NULL sorts first
                    guard let y else { return false }
                    return x < y
                }
            }
            return a < b
        }
        return order
    }

    /// The columns of `events`, in the table's order, each with how an event's value is read (nil: NULL).
    ///
    /// This is the export's documented schema (docs/DESIGN.md, "The case in SQL"), named for an analyst and
    /// versioned with `schemaVersion`, so it lists its columns instead of walking `EventStore.visitColumns`: a
    /// column added to the store (for the detectors) must not change a published table, and some store columns
    /// are internal (referer and forwarded-for kept only when they may carry an attack, logon ids, repeat counts,
    /// locality, format, time source). The table's SQL, the rows and the index keys all come from this one list.
    public static let eventColumns: [(name: String, value: EventValue)] = [
        ("id", { _, i in Int64(i) }),
        ("time_us", { s, i in s.pointee.time[i] }),
        ("file_id", { s, i in Int64(s.pointee.fileID[i]) }),
        ("line", { s, i in Int64(s.pointee.line[i]) }),
        ("offset", { s, i in Int64(clamping: s.pointee.offset[i]) }),
        ("kind", { s, i in Int64(s.pointee.kind[i].rawValue) }),
        ("outcome", { s, i in Int64(s.pointee.outcome[i].rawValue) }),
        ("host", { s, i in id(s.pointee.host[i]) }),
        ("src_ip", { s, i in id(s.pointee.sourceIP[i]) }),
        ("src_port", { s, i in s.pointee.sourcePort.hasValue(at: i) ? Int64(s.pointee.sourcePort[i]) : nil }),
        ("dst_ip", { s, i in id(s.pointee.destinationIP[i]) }),
        ("dst_port", { s, i in s.pointee.destinationPort.hasValue(at: i) ? Int64(s.pointee.destinationPort[i]) : nil }),
        ("user", { s, i in id(s.pointee.user[i]) }),
        ("target_user", { s, i in id(s.pointee.targetUser[i]) }),
        ("auth_method", { s, i in id(s.pointee.authMethod[i]) }),
        ("program", { s, i in id(s.pointee.program[i]) }),
        ("pid", { s, i in s.pointee.pid.hasValue(at: i) ? Int64(s.pointee.pid[i]) : nil }),
        ("command", { s, i in id(s.pointee.command[i]) }),
        ("http_method", { s, i in id(s.pointee.httpMethod[i]) }),
        ("path", { s, i in id(s.pointee.path[i]) }),
        ("query", { s, i in id(s.pointee.query[i]) }),
        ("http_status", { s, i in s.pointee.httpStatus.hasValue(at: i) ? Int64(s.pointee.httpStatus[i]) : nil }),
        ("bytes_out", { s, i in s.pointee.bytesOut.hasValue(at: i) ? s.pointee.bytesOut[i] : nil }),
        ("bytes_in", { s, i in s.pointee.bytesIn.hasValue(at: i) ? s.pointee.bytesIn[i] : nil }),
        ("user_agent", { s, i in id(s.pointee.userAgent[i]) }),
        ("domain", { s, i in id(s.pointee.domain[i]) }),
        ("service", { s, i in id(s.pointee.service[i]) }),
        ("signature", { s, i in id(s.pointee.signature[i]) }),
        ("severity", { s, i in s.pointee.severity.hasValue(at: i) ? Int64(s.pointee.severity[i]) : nil }),
        ("detail", { s, i in id(s.pointee.detail[i]) }),
        ("file_hash", { s, i in id(s.pointee.fileHash[i]) }),
    ]

    /// How an event's value in one column is read (nil: NULL). The store is passed by pointer: a closure kept in
    /// an array is called through a thunk, which copied a store passed by value (a retain of every column) on
    /// each call, 1.4 µs a row.
    public typealias EventValue = @Sendable (UnsafePointer<EventStore>, Int) -> Int64?

    @inline(__always) static func id(_ v: UInt32) -> Int64? { v == 0 ? nil : Int64(v) }

    static var eventTable: String {
        "CREATE TABLE events(" + eventColumns.map { c in
            c.name == "id" ? "id INTEGER PRIMARY KEY" : c.name == "time_us" ? "time_us INTEGER NOT NULL" : c.name + " INTEGER"
        }.joined(separator: ", ") + ");"
    }

    /// The result of a query: column names and rows of values as text (NULL as nil).
    public struct QueryResult: Sendable {
        public var columns: [String] = []
        public var rows: [[String?]] = []
    }

    /// Runs one read-only statement (the database is opened read-only: a query cannot change the case).
    public static func query(_ sql: String, database path: String) throws(CaseError) -> QueryResult {
        let db = try Database(path: path, readOnly: true)
        return try db.query(sql)
    }
}

/// One SQLite connection (wraps `sqlite3_open_v2`), closed when released.
final class Database {
    let handle: OpaquePointer

    init(path: String, readOnly: Bool) throws(CaseError) {
        var h: OpaquePointer?
        // One connection, used by one thread: no mutex around each call (SQLite's multi-thread mode), which
        // measured a fifth of the rows' CPU time.
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let why = h.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let h { sqlite3_close(h) }
            throw CaseError("cannot open the SQLite database \(path): \(why)")
        }
        handle = h
    }

    deinit { sqlite3_close(handle) }

    var message: String { String(cString: sqlite3_errmsg(handle)) }

    func exec(_ sql: String) throws(CaseError) {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw CaseError("SQLite: \(message)") }
    }

    /// A prepared statement's parameters, numbered from 1; `nil` binds NULL.
    struct Binder {
        let statement: OpaquePointer
        func int(_ k: Int32, _ v: Int64?) {
            if let v { sqlite3_bind_int64(statement, k, v) } else { sqlite3_bind_null(statement, k) }
        }
        func text(_ k: Int32, _ v: String?) {
            guard var v else {
                sqlite3_bind_null(statement, k)
                return
            }
            v.withUTF8 { p in
                _ = sqlite3_bind_text(
                    statement, k, p.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                    Int32(p.count), csqlite_transient())
            }
        }

        /// Binds ASCII or valid UTF-8 bytes as text (SQLite copies them).
        func bytes(_ k: Int32, _ b: UnsafeBufferPointer<UInt8>) {
            guard let p = b.baseAddress else { return text(k, "") }
            _ = sqlite3_bind_text(
                statement, k, UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self), Int32(clamping: b.count),
                csqlite_transient())
        }
    }

    /// A statement prepared once and run many times (bind, step, reset).
    final class Statement {
        let handle: OpaquePointer
        unowned let db: Database
        init(_ handle: OpaquePointer, _ db: Database) {
            self.handle = handle
            self.db = db
        }
        deinit { sqlite3_finalize(handle) }

        /// Steps the statement once (an INSERT) and resets it, keeping its bindings.
        func run() throws(CaseError) {
            guard sqlite3_step(handle) == SQLITE_DONE else {
                let why = db.message
                sqlite3_reset(handle)
                throw CaseError("SQLite: \(why)")
            }
            sqlite3_reset(handle)
        }
    }

    func prepare(_ sql: String) throws(CaseError) -> Statement {
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &st, nil) == SQLITE_OK, let st else {
            throw CaseError("SQLite: \(message)")
        }
        return Statement(st, self)
    }

    /// Inserts one row per element with one prepared statement; unbound parameters are NULL.
    func rows<S: Sequence>(_ sql: String, _ items: S, bind: (Binder, S.Element) -> Void) throws(CaseError) {
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &st, nil) == SQLITE_OK, let st else {
            throw CaseError("SQLite: \(message)")
        }
        defer { sqlite3_finalize(st) }
        let b = Binder(statement: st)
        for item in items {
            bind(b, item)
            guard sqlite3_step(st) == SQLITE_DONE else { throw CaseError("SQLite: \(message)") }
            sqlite3_reset(st)
            sqlite3_clear_bindings(st)
        }
    }

    func query(_ sql: String) throws(CaseError) -> CaseSQLite.QueryResult {
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &st, nil) == SQLITE_OK, let st else {
            throw CaseError("SQL: \(message)")
        }
        defer { sqlite3_finalize(st) }
        var out = CaseSQLite.QueryResult()
        let n = sqlite3_column_count(st)
        out.columns = (0..<n).map { String(cString: sqlite3_column_name(st, $0)) }
        while true {
            let rc = sqlite3_step(st)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw CaseError("SQL: \(message)") }
            out.rows.append(
                (0..<n).map { k in
                    guard sqlite3_column_type(st, k) != SQLITE_NULL, let p = sqlite3_column_text(st, k) else {
                        return nil
                    }
                    let count = Int(sqlite3_column_bytes(st, k))
                    return ByteText.string(UnsafeBufferPointer(start: p, count: count))
                })
        }
        return out
    }
}
