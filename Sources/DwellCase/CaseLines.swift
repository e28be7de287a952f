import DwellAnalysis
import DwellCore

/// The raw evidence lines a case keeps: every line its findings and investigation cite, so that reports rendered
/// from the case quote the evidence as the first run did. Stored sorted by (file id, line number), the bytes in
/// one blob; a line is found by binary search.
/// - Complexity: `line(file:line:)` O(log n).
public struct CaseLines: Sendable {
    /// (file id << 32 | line number), ascending.
    var keys: [UInt64] = []
    /// Where each line starts in `blob`; one extra entry: the blob's length.
    var starts: [UInt64] = [0]
    var blob: [UInt8] = []

    public init() {}

    /// The lines held in `raw` (file id → line number → bytes), in order.
    public init(_ raw: [UInt32: [UInt64: [UInt8]]]) {
        for (file, lines) in raw.sorted(by: { $0.key < $1.key }) {
            for (line, bytes) in lines.sorted(by: { $0.key < $1.key }) where line <= UInt64(UInt32.max) {
                keys.append(UInt64(file) << 32 | line)
                blob += bytes
                starts.append(UInt64(blob.count))
            }
        }
    }

    /// The raw lines an investigation's evidence carries (file id → line number → bytes), at every place
    /// `Investigation.forEachEvidence` visits.
    public static func cited(by inv: Investigation, into raw: inout [UInt32: [UInt64: [UInt8]]]) {
        inv.forEachEvidence { e in
            if !e.raw.isEmpty { raw[e.fileID, default: [:]][e.line] = e.raw }
        }
    }

    public var count: Int { keys.count }

    /// The raw line, when the case holds it.
    public func line(file: UInt32, line: UInt64) -> [UInt8]? {
        guard line <= UInt64(UInt32.max) else { return nil }
        let key = UInt64(file) << 32 | line
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        guard lo < keys.count, keys[lo] == key else { return nil }
        return Array(blob[Int(starts[lo])..<Int(starts[lo + 1])])
    }

    /// Every line held, as file id → line number → bytes.
    public var all: [UInt32: [UInt64: [UInt8]]] {
        var out: [UInt32: [UInt64: [UInt8]]] = [:]
        for (i, k) in keys.enumerated() {
            out[UInt32(k >> 32), default: [:]][k & 0xFFFF_FFFF] = Array(blob[Int(starts[i])..<Int(starts[i + 1])])
        }
        return out
    }

    func write(to w: inout BinaryWriter) {
        w.array(keys)
        w.array(starts)
        w.array(blob)
    }

    init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        let at = r.position
        keys = try r.array()
        starts = try r.array()
        blob = try r.array()
        guard starts.count == keys.count + 1, starts.first == 0, starts.last == UInt64(blob.count),
            zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
            zip(keys, keys.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw BinaryFormatError(offset: at, what: "raw lines index") }
    }
}
