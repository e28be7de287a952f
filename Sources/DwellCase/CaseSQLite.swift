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

    /// The schema, version 1: tables, indexes and views.
    public static let schema = """
        CREATE TABLE case_info(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, display_path TEXT, sha256 TEXT, size_bytes INTEGER,
          format TEXT, lines INTEGER, parsed INTEGER, rejected INTEGER, first_time_us INTEGER, last_time_us INTEGER);
        CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT);
        CREATE TABLE addresses(id INTEGER PRIMARY KEY, ip TEXT);
        CREATE TABLE kinds(id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE events(id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, file_id INTEGER, line INTEGER,
          offset INTEGER, kind INTEGER, outcome INTEGER, host INTEGER, src_ip INTEGER, src_port INTEGER,
          dst_ip INTEGER, dst_port INTEGER, user INTEGER, target_user INTEGER, auth_method INTEGER, program INTEGER,
          pid INTEGER, command INTEGER, http_method INTEGER, path INTEGER, query INTEGER, http_status INTEGER,
          bytes_out INTEGER, bytes_in INTEGER, user_agent INTEGER, domain INTEGER, service INTEGER,
          signature INTEGER, severity INTEGER, detail INTEGER, file_hash INTEGER);
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

    public static let indexes = """
        CREATE INDEX events_time ON events(time_us);
        CREATE INDEX events_host ON events(host, time_us);
        CREATE INDEX events_src_ip ON events(src_ip) WHERE src_ip IS NOT NULL;
        CREATE INDEX events_dst_ip ON events(dst_ip) WHERE dst_ip IS NOT NULL;
        CREATE INDEX events_user ON events(user) WHERE user IS NOT NULL;
        CREATE INDEX events_target_user ON events(target_user) WHERE target_user IS NOT NULL;
        CREATE INDEX events_path ON events(path) WHERE path IS NOT NULL;
        CREATE INDEX events_user_agent ON events(user_agent) WHERE user_agent IS NOT NULL;
        CREATE INDEX events_domain ON events(domain) WHERE domain IS NOT NULL;
        CREATE INDEX events_command ON events(command) WHERE command IS NOT NULL;
        CREATE INDEX events_file_hash ON events(file_hash) WHERE file_hash IS NOT NULL;
        CREATE INDEX strings_text ON strings(text);
        CREATE INDEX addresses_ip ON addresses(ip);
        CREATE INDEX findings_time ON findings(time_us);
        CREATE INDEX timeline_time ON timeline(time_us);
        """

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
    /// existing file is replaced).
    public static func export(_ c: Case, investigation inv: Investigation, to path: String) throws(CaseError) -> Export
    {
        unlink(path)
        let db = try Database(path: path, readOnly: false)
        try db.exec(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; PRAGMA page_size=65536; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA threads=\(min(ProcessInfo.processInfo.activeProcessorCount, 8));"
        )
        try db.exec(schema)
        try db.exec("BEGIN")
        let store = c.store
        var info: [(String, String)] = [
            ("schema_version", "1"), ("dwell_version", Case.toolVersion), ("case_directory", c.directory),
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
        let rowClock = Stopwatch()
        let (whileLoading, afterLoading) = indexPlan(store)
        for index in whileLoading { try db.exec(index.sql) }
        try insertEvents(store, into: db)
        let rowCost = rowClock.elapsed
        var indexCosts = whileLoading.map { (name: $0.name + " (kept while loading)", seconds: 0.0, cpuSeconds: 0.0) }
        for index in afterLoading {
            let clock = Stopwatch()
            try db.exec(index.sql)
            let cost = clock.elapsed
            indexCosts.append((index.name, cost.wall, cost.cpu))
        }
        let all = rowClock.elapsed
        try db.rows("INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", Array(inv.findings.enumerated())) {
            s, p in
            let f = p.element
            s.int(1, Int64(p.offset))
            s.text(2, f.rule)
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
        try db.exec(views)
        try db.exec("COMMIT")
        return Export(
            events: store.count, eventSeconds: all.wall, rowSeconds: rowCost.wall, indexSeconds: all.wall - rowCost.wall,
            rowCPUSeconds: rowCost.cpu, indexCPUSeconds: all.cpu - rowCost.cpu, indexCosts: indexCosts)
    }

    /// The index statements of `indexes`, split into those created before the events are inserted and those
    /// built after. The events arrive in time order, so an index over a column with few distinct values (such as
    /// `host` or a sensor's few destinations) grows at a few insertion points whose pages stay in the cache: kept
    /// while loading, it cost about 0.7 µs per row where building it afterwards (SQLite sorts the whole column)
    /// cost about 1.7 µs; an index over a column few events have is cheaper kept than built from a scan of the
    /// whole table. A column with many distinct values (addresses, paths) is indexed after the rows, by sorting.
    /// The choice is made from the store's columns, so it is the same for the same case.
    static func indexPlan(_ store: EventStore) -> (whileLoading: [(name: String, sql: String)], after: [(name: String, sql: String)]) {
        var during: [(name: String, sql: String)] = []
        var after: [(name: String, sql: String)] = []
        for statement in indexes.split(separator: ";") {
            let sql = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !sql.isEmpty else { continue }
            let name = sql.split(separator: " ").dropFirst(2).first.map(String.init) ?? sql
            let column = sql.split(separator: "(").dropFirst().first?.prefix { $0 != "," && $0 != ")" } ?? ""
            let keep = sql.contains(" ON events(") && columnProfile(String(column), of: store).map {
                $0.distinct <= fewDistinctValues || $0.present * 16 < store.count
            } == true
            if keep { during.append((name, sql)) } else { after.append((name, sql)) }
        }
        return (during, after)
    }

    /// At most this many distinct values make a column's index cheaper kept while loading than built after.
    static let fewDistinctValues = 1024

    /// How many events have a value in an indexed `events` column, and how many distinct values it holds (counted
    /// up to `fewDistinctValues + 1`); nil for the time column and unknown names.
    static func columnProfile(_ column: String, of store: EventStore) -> (present: Int, distinct: Int)? {
        func profile(_ values: some Sequence<UInt32>, present: Int) -> (present: Int, distinct: Int) {
            var seen = Set<UInt32>()
            for v in values where v != 0 {
                seen.insert(v)
                if seen.count > fewDistinctValues { break }
            }
            return (present, seen.count)
        }
        func sparse(_ c: SparseColumn<UInt32>) -> (present: Int, distinct: Int) { profile(c.values, present: c.presentCount) }
        switch column {
        case "host": return profile(store.host, present: store.count)
        case "src_ip": return sparse(store.sourceIP)
        case "dst_ip": return sparse(store.destinationIP)
        case "user": return sparse(store.user)
        case "target_user": return sparse(store.targetUser)
        case "path": return sparse(store.path)
        case "user_agent": return sparse(store.userAgent)
        case "domain": return sparse(store.domain)
        case "command": return sparse(store.command)
        case "file_hash": return sparse(store.fileHash)
        default: return nil
        }
    }

    /// Rows per INSERT statement: one statement binds 31 values for each of them (SQLite allows 32,766).
    static let rowsPerStatement = 64

    /// Inserts every event, `rowsPerStatement` rows per step of one prepared statement (bound, stepped, reset:
    /// every parameter is bound on each row, NULL included, so no clearing is needed), the rest one by one.
    static func insertEvents(_ store: EventStore, into db: Database) throws(CaseError) {
        let one = "(" + Array(repeating: "?", count: eventColumns).joined(separator: ",") + ")"
        let many = try db.prepare(
            "INSERT INTO events VALUES " + Array(repeating: one, count: rowsPerStatement).joined(separator: ","))
        let single = try db.prepare("INSERT INTO events VALUES " + one)
        var i = 0
        while i < store.count {
            let batch = store.count - i >= rowsPerStatement ? rowsPerStatement : 1
            let st = batch == 1 ? single : many
            for k in 0..<batch { bindEvent(i + k, of: store, to: st.handle, from: Int32(k * eventColumns)) }
            try st.run()
            i += batch
        }
    }

    static let eventColumns = 31

    /// Binds event `i` to parameters `base + 1 ... base + 31` (NULL where the event has no value).
    @inline(__always)
    static func bindEvent(_ i: Int, of store: EventStore, to st: OpaquePointer, from base: Int32) {
        func int(_ k: Int32, _ v: Int64) { sqlite3_bind_int64(st, base + k, v) }
        func id(_ k: Int32, _ v: UInt32) {
            if v != 0 { sqlite3_bind_int64(st, base + k, Int64(v)) } else { sqlite3_bind_null(st, base + k) }
        }
        func some<T: BinaryInteger>(_ k: Int32, _ present: Bool, _ v: T) {
            if present { sqlite3_bind_int64(st, base + k, Int64(v)) } else { sqlite3_bind_null(st, base + k) }
        }
        int(1, Int64(i))
        int(2, store.time[i])
        int(3, Int64(store.fileID[i]))
        int(4, Int64(store.line[i]))
        int(5, Int64(clamping: store.offset[i]))
        int(6, Int64(store.kind[i].rawValue))
        int(7, Int64(store.outcome[i].rawValue))
        id(8, store.host[i])
        id(9, store.sourceIP[i])
        some(10, store.sourcePort.hasValue(at: i), store.sourcePort[i])
        id(11, store.destinationIP[i])
        some(12, store.destinationPort.hasValue(at: i), store.destinationPort[i])
        id(13, store.user[i])
        id(14, store.targetUser[i])
        id(15, store.authMethod[i])
        id(16, store.program[i])
        some(17, store.pid.hasValue(at: i), store.pid[i])
        id(18, store.command[i])
        id(19, store.httpMethod[i])
        id(20, store.path[i])
        id(21, store.query[i])
        some(22, store.httpStatus.hasValue(at: i), store.httpStatus[i])
        some(23, store.bytesOut.hasValue(at: i), store.bytesOut[i])
        some(24, store.bytesIn.hasValue(at: i), store.bytesIn[i])
        id(25, store.userAgent[i])
        id(26, store.domain[i])
        id(27, store.service[i])
        id(28, store.signature[i])
        some(29, store.severity.hasValue(at: i), store.severity[i])
        id(30, store.detail[i])
        id(31, store.fileHash[i])
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
