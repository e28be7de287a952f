// Target `gzip`: the gzip reader with both engines, zlib and ISA-L, on the same bytes. Invariants: the same
// inflated bytes, the same problems at the same offsets and the same member count, whatever the read size; what is
// inflated never exceeds what the caller asked for.
import DwellCore

/// Inflated output kept per engine (a bomb is read to this bound and both engines are compared up to it).
let outputLimit = 64 << 20

struct Inflated: Equatable {
    var bytes: [UInt8]
    var issues: [String]
    var members: Int
    var hitLimit: Bool
    /// ISA-L handed out bytes before zlib found the damage earlier (reported as a problem, bytes not comparable).
    var handedOutPastDamage = false
}

func inflate(_ path: String, _ engine: InflateEngine, chunk: Int) -> Inflated {
    guard let raw = try? RawFile(path: path) else {
        require(false, "cannot open the scratch file")
        return Inflated(bytes: [], issues: [], members: 0, hitLimit: false)
    }
    let source = GzipSource(raw: raw, prefix: [], displayPath: "x.gz", engine: engine)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var out: [UInt8] = []
    var hitLimit = false
    while true {
        let n = source.read(into: buffer)
        require(n >= 0 && n <= chunk, "read returned \(n) for a buffer of \(chunk)")
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
        if out.count >= outputLimit {
            hitLimit = true
            break
        }
    }
    require(source.decompressedBytes >= UInt64(out.count), "decompressedBytes below what was delivered")
    // ISA-L's errors get zlib's second opinion, whose account stands; the note on the disagreement is ISA-L's only.
    let issues = source.issues.filter { $0.kind != .inflaterDisagreement }.map { "\($0.kind.rawValue)@\($0.offset ?? 0)" }
    let pastDamage = source.issues.contains { $0.kind == .inflaterDisagreement && $0.isProblem }
    return Inflated(bytes: out, issues: issues, members: source.members, hitLimit: hitLimit, handedOutPastDamage: pastDamage)
}

func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    var i = 0
    while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
    return i
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = UnsafeBufferPointer(start: data, count: size)
    let path = Scratch.write(body, name: "x.gz")
    let chunk = 1 + (size &* 131) % 70_000
    let zlib = inflate(path, .zlib, chunk: 1 << 16)
    let zlibSmall = inflate(path, .zlib, chunk: chunk)
    if !zlib.hitLimit && !zlibSmall.hitLimit {
        require(zlib == zlibSmall, "zlib read in \(chunk)-byte buffers differs from 64 KiB buffers: \(zlib.issues) vs \(zlibSmall.issues)")
    }
    guard InflateEngine.isalAvailable else { return 0 }
    let isal = inflate(path, .isal, chunk: chunk)
    if isal.handedOutPastDamage {
        // Bytes already returned before ISA-L noticed: zlib's are a prefix, and the problem is reported as zlib's.
        require(isal.bytes.starts(with: zlib.bytes), "ISA-L's bytes do not start with zlib's")
        require(isal.issues == zlib.issues, "ISA-L reports \(isal.issues), zlib \(zlib.issues)")
    } else if zlib.hitLimit || isal.hitLimit {
        let n = min(zlib.bytes.count, isal.bytes.count)
        require(zlib.bytes.prefix(n) == isal.bytes.prefix(n), "ISA-L and zlib inflate different bytes (bomb-sized input)")
    } else {
        require(
            isal.bytes == zlib.bytes,
            "ISA-L inflated \(isal.bytes.count) bytes, zlib \(zlib.bytes.count) (first difference at \(firstDifference(isal.bytes, zlib.bytes))); ISA-L reports \(isal.issues), zlib \(zlib.issues); ISA-L's last bytes \(isal.bytes.suffix(24).map { String($0, radix: 16) })")
        require(isal.issues == zlib.issues, "ISA-L reports \(isal.issues), zlib \(zlib.issues)")
        require(isal.members == zlib.members, "ISA-L counts \(isal.members) members, zlib \(zlib.members)")
    }
    return 0
}
