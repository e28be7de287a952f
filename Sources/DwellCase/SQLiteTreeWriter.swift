import DwellCore
import Foundation

/// Writes B-trees straight into the pages of an SQLite database file, in SQLite's documented file format
/// (https://www.sqlite.org/fileformat2.html, "B-tree Pages" and "Record Format").
///
/// SQLite builds an index by sorting every value of the table (about 1 µs per value here, most of it cache
/// misses) and inserts a row through its virtual machine (about 0.8 µs for an event); dwell already holds the
/// events in time order and can order each index's keys by counting, so it lays the pages out itself, bottom up,
/// each page written once. The database is made by SQLite first (schema, views, the small tables, and the
/// events table and its indexes empty, each with its root page); this writer then appends the pages of each
/// tree after the file's last page, puts each tree's top node in the root page SQLite allotted it, and updates
/// the header's page count and change counter. Nothing else of the file is touched (no freelist, no pointer
/// map: the file must not use auto-vacuum), and SQLite reads the result as its own
/// (`CaseTests.sqliteExportPassesIntegrityCheck` runs `PRAGMA integrity_check` on databases of small pages,
/// whose trees are several levels deep).
///
/// Records hold only integers and NULL (serial types 0–6, and 8 and 9 for 0 and 1 in schema format 4), so a
/// cell never spills to an overflow page.
/// - Complexity: O(*n*) in the cells written; memory: one page per level and the separators of the level above
///   the leaves.
struct SQLiteTreeWriter {
    let fd: Int32
    let path: String
    let pageSize: Int
    /// Integers 0 and 1 take no bytes from schema format 4 on (serial types 8 and 9).
    let smallIntegers: Bool
    /// Pages in the file, those appended included.
    private(set) var pageCount: UInt32
    /// Appended pages not yet written, from page `pendingFirst`.
    private var pending: [UInt8] = []
    private var pendingFirst: UInt32
    /// The block of pages being written on the writer's own thread while the next one is built (the kernel's copy
    /// into the page cache is a fifth of the export's time; on a second core it overlaps building the pages).
    private let pageWrites = PageWrites()
    /// Pages are handed to the writer's thread in blocks of about this many bytes.
    let blockBytes: Int

    /// Opens the file SQLite wrote and closed at `path`; `blockBytes` is 8 MiB unless a test asks for many blocks.
    init(path: String, blockBytes: Int = 1 << 23) throws(CaseError) {
        self.path = path
        self.blockBytes = max(blockBytes, 1)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw CaseError("cannot open \(path) to write its events: errno \(errno)") }
        var header = [UInt8](repeating: 0, count: 100)
        let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 100, 0) }
        func bad(_ what: String) -> CaseError {
            close(fd)
            return CaseError("\(path): \(what); cannot write its events")
        }
        guard n == 100, header.starts(with: Array("SQLite format 3".utf8) + [0]) else { throw bad("not an SQLite file") }
        let rawSize = Int(header[16]) << 8 | Int(header[17])
        let size = rawSize == 1 ? 65536 : rawSize
        guard size >= 512, size <= 65536, size & (size - 1) == 0, header[20] == 0 else {
            throw bad("a page size or reserved space this writer does not handle")
        }
        let autoVacuum = Self.u32(header, 52)
        guard autoVacuum == 0 else { throw bad("auto-vacuum is on") }
        let fileBytes = lseek(fd, 0, SEEK_END)
        guard fileBytes > 0, Int(fileBytes) % size == 0, Self.u32(header, 28) == UInt32(Int(fileBytes) / size) else {
            throw bad("its length is not the page count of its header")
        }
        self.fd = fd
        pageSize = size
        smallIntegers = Self.u32(header, 44) >= 4
        pageCount = UInt32(Int(fileBytes) / size)
        pendingFirst = pageCount + 1
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    /// Writes what is pending, then the header: the page count, and the change counter moved on (with the
    /// "version valid for" number equal to it, so SQLite trusts the page count), and closes the file.
    mutating func finish() throws(CaseError) {
        try flush()
        try pageWrites.wait(path)
        var header = [UInt8](repeating: 0, count: 100)
        guard header.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 100, 0) }) == 100 else {
            throw CaseError("\(path): cannot read its header back: errno \(errno)")
        }
        let counter = Self.u32(header, 24) &+ 1
        Self.put(counter, into: &header, at: 24)
        Self.put(pageCount, into: &header, at: 28)
        Self.put(counter, into: &header, at: 92)
        guard header.withUnsafeBytes({ pwrite(fd, $0.baseAddress, 100, 0) }) == 100 else {
            throw CaseError("\(path): cannot write its header: errno \(errno)")
        }
        close(fd)
    }

    /// Closes the file without finishing (after an error).
    func abandon() {
        try? pageWrites.wait(path)
        close(fd)
    }

    static func put(_ v: UInt32, into b: inout [UInt8], at: Int) {
        b[at] = UInt8(v >> 24)
        b[at + 1] = UInt8(truncatingIfNeeded: v >> 16)
        b[at + 2] = UInt8(truncatingIfNeeded: v >> 8)
        b[at + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// Hands the pending pages to the writer's thread (after the previous block is written) and goes on with the
    /// buffer that block used.
    private mutating func flush() throws(CaseError) {
        guard !pending.isEmpty else { return }
        try pageWrites.wait(path)
        let at = off_t(Int(pendingFirst - 1) * pageSize)
        pendingFirst += UInt32(pending.count / pageSize)
        var next = pageWrites.takeBuffer()
        next.removeAll(keepingCapacity: true)
        swap(&pending, &next)
        pageWrites.start(consume next, fd: fd, at: at)
    }

    /// Appends a page after the file's last; returns its number.
    private mutating func append(_ page: [UInt8]) throws(CaseError) -> UInt32 {
        guard pageCount < UInt32.max - 1 else { throw CaseError("\(path): more pages than SQLite allows") }
        pending.append(contentsOf: page)
        pageCount += 1
        if pending.count >= blockBytes { try flush() }
        return pageCount
    }

    /// Writes a tree's top node in the root page SQLite allotted the tree.
    private func writeRoot(_ page: [UInt8], at root: UInt32) throws(CaseError) {
        let ok = page.withUnsafeBytes { writeAll(fd, $0, at: off_t(Int(root - 1) * pageSize)) }
        guard ok else { throw CaseError("\(path): cannot write a root page: errno \(errno)") }
    }

    // MARK: Trees

    /// A rowid table's tree, whose root SQLite allotted at page `root` (an empty leaf until now): `count` rows,
    /// row `k` made by `row(k, &record)` (which returns the rowid; rowids must increase with `k`).
    mutating func writeTable(root: UInt32, count: Int, row: (Int, inout RecordBuilder) -> Int64) throws(CaseError) {
        var record = RecordBuilder(smallIntegers: smallIntegers)
        defer { record.free() }
        var level = LevelBuilder(pageSize: pageSize)
        var lastRowid: Int64 = 0
        for k in 0..<count {
            record.reset()
            let rowid = row(k, &record)
            // A table leaf cell: the payload's length, the rowid, the payload (never spilled: see the type's note).
            let cellCount = record.makeCell(rowid: rowid)
            guard cellCount <= pageSize - 35 - 8 else { throw CaseError("\(path): an event row too large for a page") }
            if !level.page.fits(cellCount) {
                try level.complete(type: 0x0D, right: nil, writer: &self)
                var sep: [UInt8] = []
                appendVarint(UInt64(bitPattern: lastRowid), to: &sep)
                level.separators.append(sep)
            }
            level.page.add(record.cell, cellCount)
            lastRowid = rowid
        }
        guard count > 0 else { return }
        try level.complete(type: 0x0D, right: nil, writer: &self)
        try finishTree(level, root: root, interiorType: 0x05)
    }

    /// An index's tree, whose root SQLite allotted at page `root`: `count` keys in the index's order, key `k`
    /// made by `key(k, &record)` (the indexed columns, then the rowid).
    mutating func writeIndex(root: UInt32, count: Int, key: (Int, inout RecordBuilder) -> Void) throws(CaseError) {
        var record = RecordBuilder(smallIntegers: smallIntegers)
        defer { record.free() }
        var level = LevelBuilder(pageSize: pageSize)
        // A B-tree (not B+): each key is in one page only. When a leaf is full, the next key waits; if another
        // key follows, the waiting one becomes the separator between two leaves (it goes up a level).
        var waiting: [UInt8]? = nil
        // The largest local payload of an index cell: ((U - 12) * 64 / 255) - 23.
        let maxLocal = (pageSize - 12) * 64 / 255 - 23
        for k in 0..<count {
            record.reset()
            key(k, &record)
            guard record.payloadCount <= maxLocal else { throw CaseError("\(path): an index key too large for a page") }
            let cellCount = record.makeCell(rowid: nil)
            if let w = waiting {
                level.separators.append(w)
                waiting = nil
            }
            if level.page.fits(cellCount) {
                level.page.add(record.cell, cellCount)
            } else {
                try level.complete(type: 0x0A, right: nil, writer: &self)
                waiting = Array(UnsafeBufferPointer(start: record.cell, count: cellCount))
            }
        }
        guard count > 0 else { return }
        if let w = waiting { level.page.add(w) }  // the last key had no leaf after it: it starts one
        try level.complete(type: 0x0A, right: nil, writer: &self)
        try finishTree(level, root: root, interiorType: 0x02)
    }

    /// Puts the level's last page in place (the root, when it is the only one), then builds the interior levels
    /// above until one node remains, which goes in the root page.
    private mutating func finishTree(_ leaves: LevelBuilder, root: UInt32, interiorType: UInt8) throws(CaseError) {
        var level = leaves
        if level.children.isEmpty, let only = level.held { return try writeRoot(only, at: root) }
        try level.releaseHeld(writer: &self)
        var children = level.children
        var separators = level.separators
        while true {
            // Group the children: node j holds cells (child, separator) and a right child; the separator after
            // its right child goes up. Each node keeps room for one more cell, so that a last node left with a
            // single child (no cell) is folded into the one before it.
            precondition(children.count == separators.count + 1 && children.count >= 2)
            let reserve = (separators.map(\.count).max() ?? 0) + 4 + 2
            var groups: [Range<Int>] = []  // children indexes of each node; the last is its right child
            var start = 0
            var used = 12
            var k = 0
            while k < separators.count {
                let size = 4 + separators[k].count + 2
                if used + size + reserve <= pageSize || k == start {
                    used += size
                    k += 1
                } else {
                    groups.append(start..<(k + 1))
                    start = k + 1
                    k = start
                    used = 12
                }
            }
            groups.append(start..<children.count)
            if groups.count > 1, let last = groups.last, last.count == 1 {
                groups.removeLast()
                let previous = groups.removeLast()
                groups.append(previous.lowerBound..<last.upperBound)
            }
            var nextChildren: [UInt32] = []
            var nextSeparators: [[UInt8]] = []
            for (g, range) in groups.enumerated() {
                var page = PageBuilder(pageSize: pageSize, headerBytes: 12)
                var cell: [UInt8] = []
                for c in range.dropLast() {
                    cell.removeAll(keepingCapacity: true)
                    Self.appendU32(children[c], to: &cell)
                    cell.append(contentsOf: separators[c])
                    page.add(cell)
                }
                let bytes = page.finish(type: interiorType, right: children[range.upperBound - 1])
                if groups.count == 1 { return try writeRoot(bytes, at: root) }
                nextChildren.append(try append(bytes))
                if g < groups.count - 1 { nextSeparators.append(separators[range.upperBound - 1]) }
            }
            children = nextChildren
            separators = nextSeparators
        }
    }

    static func appendU32(_ v: UInt32, to b: inout [UInt8]) {
        b.append(UInt8(v >> 24))
        b.append(UInt8(truncatingIfNeeded: v >> 16))
        b.append(UInt8(truncatingIfNeeded: v >> 8))
        b.append(UInt8(truncatingIfNeeded: v))
    }

    /// One level of a tree as it is built: its current page, the page completed before (held back until another
    /// completes, so that a level of one page can go in the root instead), the pages written and the separators
    /// between them.
    struct LevelBuilder {
        var page: PageBuilder
        var held: [UInt8]?
        var children: [UInt32] = []
        var separators: [[UInt8]] = []

        init(pageSize: Int) { page = PageBuilder(pageSize: pageSize, headerBytes: 8) }

        mutating func complete(type: UInt8, right: UInt32?, writer: inout SQLiteTreeWriter) throws(CaseError) {
            try releaseHeld(writer: &writer)
            held = page.finish(type: type, right: right)
            page.reset()
        }

        mutating func releaseHeld(writer: inout SQLiteTreeWriter) throws(CaseError) {
            if let h = held {
                children.append(try writer.append(h))
                held = nil
            }
        }
    }
}

/// One B-tree page being filled: the cell pointer array grows from the header, the cells from the page's end.
struct PageBuilder {
    var bytes: [UInt8]
    let headerBytes: Int
    var cellTop: Int
    var cells = 0

    init(pageSize: Int, headerBytes: Int) {
        bytes = [UInt8](repeating: 0, count: pageSize)
        self.headerBytes = headerBytes
        cellTop = pageSize
    }

    mutating func reset() {
        cellTop = bytes.count
        cells = 0
    }

    /// Whether a cell of `n` bytes (and its pointer) still fits.
    func fits(_ n: Int) -> Bool { headerBytes + 2 * (cells + 1) + n <= cellTop }

    mutating func add(_ cell: [UInt8]) {
        cell.withUnsafeBufferPointer { c in
            if let base = c.baseAddress { add(base, c.count) }
        }
    }

    mutating func add(_ cell: UnsafePointer<UInt8>, _ count: Int) {
        cellTop -= count
        let top = cellTop
        bytes.withUnsafeMutableBufferPointer { p in
            // `fits` was checked: the cell lies between the pointer array and the cells before it.
            guard let base = p.baseAddress else { return }
            (base + top).update(from: cell, count: count)
            let at = headerBytes + 2 * cells
            base[at] = UInt8(top >> 8)
            base[at + 1] = UInt8(truncatingIfNeeded: top)
        }
        cells += 1
    }

    /// The page: its header (type, no freeblock, the cell count, where the cells start, no fragments, and an
    /// interior page's right child), pointers and cells.
    func finish(type: UInt8, right: UInt32?) -> [UInt8] {
        var b = bytes
        b[0] = type
        b[1] = 0
        b[2] = 0
        b[3] = UInt8(cells >> 8)
        b[4] = UInt8(truncatingIfNeeded: cells)
        let start = cellTop == 65536 ? 0 : cellTop
        b[5] = UInt8(start >> 8)
        b[6] = UInt8(truncatingIfNeeded: start)
        b[7] = 0
        if let right { SQLiteTreeWriter.put(right, into: &b, at: 8) }
        // Unused space between the pointers and the cells is zero, as SQLite leaves it after a fresh build.
        let gapStart = headerBytes + 2 * cells
        if gapStart < cellTop { for i in gapStart..<cellTop { b[i] = 0 } }
        return b
    }
}

/// One record (a row or an index key) of integers and NULLs: the serial types and the body, as SQLite stores them,
/// then its cell. Fixed buffers, allocated once (`free` releases them): no array grows per value.
struct RecordBuilder {
    /// At most this many values in a record (the events have 31).
    static let capacity = 64
    let smallIntegers: Bool
    let types = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    let body = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 8)
    /// The last cell made (`makeCell`): up to two varints of 9 bytes, the header and the body.
    let cell = UnsafeMutablePointer<UInt8>.allocate(capacity: 20 + capacity * 9 + 2)
    var typeCount = 0
    var bodyCount = 0

    init(smallIntegers: Bool) { self.smallIntegers = smallIntegers }

    func free() {
        types.deallocate()
        body.deallocate()
        cell.deallocate()
    }

    mutating func reset() {
        typeCount = 0
        bodyCount = 0
    }

    mutating func null() {
        precondition(typeCount < Self.capacity, "more values than a record holds")
        types[typeCount] = 0
        typeCount += 1
    }

    mutating func int(_ v: Int64?) {
        precondition(typeCount < Self.capacity, "more values than a record holds")
        guard let v else { return null() }
        if smallIntegers && (v == 0 || v == 1) {
            types[typeCount] = v == 0 ? 8 : 9
            typeCount += 1
            return
        }
        let bytes: Int
        let type: UInt8
        switch v {
        case -128...127: (bytes, type) = (1, 1)
        case -32768...32767: (bytes, type) = (2, 2)
        case -8_388_608...8_388_607: (bytes, type) = (3, 3)
        case -2_147_483_648...2_147_483_647: (bytes, type) = (4, 4)
        case -140_737_488_355_328...140_737_488_355_327: (bytes, type) = (6, 5)
        default: (bytes, type) = (8, 6)
        }
        types[typeCount] = type
        typeCount += 1
        let u = UInt64(bitPattern: v)
        var k = 0
        while k < bytes {
            body[bodyCount + k] = UInt8(truncatingIfNeeded: u >> UInt64((bytes - 1 - k) * 8))
            k += 1
        }
        bodyCount += bytes
    }

    /// The header's length: itself (one byte while under 128) and one byte per serial type.
    var headerCount: Int { typeCount + 1 < 128 ? typeCount + 1 : typeCount + 2 }
    var payloadCount: Int { headerCount + bodyCount }

    /// Writes the record's cell to `cell`: the payload's length, the rowid (for a table leaf), the payload.
    /// Returns its length.
    func makeCell(rowid: Int64?) -> Int {
        var n = putVarint(UInt64(payloadCount), at: cell)
        if let rowid { n += putVarint(UInt64(bitPattern: rowid), at: cell + n) }
        n += putVarint(UInt64(headerCount), at: cell + n)
        (cell + n).update(from: types, count: typeCount)
        n += typeCount
        (cell + n).update(from: body, count: bodyCount)
        return n + bodyCount
    }
}

/// Writes SQLite's variable-length integer at `p` (room for 9 bytes; see `appendVarint`); returns its length.
func putVarint(_ v: UInt64, at p: UnsafeMutablePointer<UInt8>) -> Int {
    if v <= 0x7F {
        p[0] = UInt8(v)
        return 1
    }
    if v > 0x00FF_FFFF_FFFF_FFFF {
        p[8] = UInt8(truncatingIfNeeded: v)
        var rest = v >> 8
        for k in stride(from: 7, through: 0, by: -1) {
            p[k] = UInt8(truncatingIfNeeded: rest & 0x7F) | 0x80
            rest >>= 7
        }
        return 9
    }
    var n = 0
    var t = v
    while t > 0 {
        n += 1
        t >>= 7
    }
    var rest = v
    for k in stride(from: n - 1, through: 0, by: -1) {
        p[k] = UInt8(truncatingIfNeeded: rest & 0x7F) | (k == n - 1 ? 0 : 0x80)
        rest >>= 7
    }
    return n
}

/// Appends SQLite's variable-length integer: big-endian groups of 7 bits, the high bit set on all but the last,
/// and a ninth byte of 8 bits for values of more than 56 bits.
func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
    if v <= 0x7F { return out.append(UInt8(v)) }
    if v > 0x00FF_FFFF_FFFF_FFFF {
        var groups: [UInt8] = [UInt8(truncatingIfNeeded: v)]
        var rest = v >> 8
        for _ in 0..<8 {
            groups.append(UInt8(truncatingIfNeeded: rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(contentsOf: groups.reversed())
        return
    }
    var groups: [UInt8] = []
    var rest = v
    while rest > 0 {
        groups.append(UInt8(truncatingIfNeeded: rest & 0x7F))
        rest >>= 7
    }
    for (k, g) in groups.enumerated().reversed() { out.append(k == 0 ? g : g | 0x80) }
}

/// Writes all of `bytes` at `offset` (pwrite until done).
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: off_t) -> Bool {
    var done = 0
    while done < bytes.count {
        let n = pwrite(fd, bytes.baseAddress.map { $0 + done }, bytes.count - done, offset + off_t(done))
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        done += n
    }
    return true
}

/// One block of pages written at a time on a serial queue, and the buffer it used handed back for the next
/// block. `wait` returns once the block is written (the group orders the queue's writes of `failure` and
/// `buffer` before the caller's reads); the writer never has two blocks in flight.
private final class PageWrites: @unchecked Sendable {
    let queue = DispatchQueue(label: "dwell.sqlite.pages")
    let group = DispatchGroup()
    var failure: Int32?
    var buffer: [UInt8] = []

    /// Writes `block` at `offset` on the queue; only this object holds it meanwhile, so that the buffer comes back
    /// unshared and is reused without a copy.
    func start(_ block: consuming [UInt8], fd: Int32, at offset: off_t) {
        buffer = block
        group.enter()
        queue.async { [self] in
            if !buffer.withUnsafeBytes({ writeAll(fd, $0, at: offset) }) { failure = errno }
            group.leave()
        }
    }

    /// Waits for the block in flight; throws when it could not be written.
    func wait(_ path: String) throws(CaseError) {
        group.wait()
        if let e = failure { throw CaseError("\(path): cannot write its pages: errno \(e)") }
    }

    /// The buffer of the last block written (call after `wait`).
    func takeBuffer() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }
}
