import CZlib

/// Wraps zlib's `deflate`: one gzip member from bytes in memory (fixtures, benchmarks, small exports).
/// Evidence is never written; the scenario generator keeps its own streaming writer (it depends on no dwell code).
public enum GzipCompress {
    /// One gzip member of `bytes`; the header's MTIME is set when `mtime` is non-zero. Empty on a zlib failure.
    public static func member(_ bytes: [UInt8], level: Int32 = 6, mtime: UInt32 = 0) -> [UInt8] {
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, level) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { outp in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(inp.count)
                stream.next_out = outp.baseAddress
                stream.avail_out = uInt(outp.count)
                _ = deflate(&stream, Z_FINISH)
                return outp.count - Int(stream.avail_out)
            }
        }
        var result = Array(out[0..<produced])
        if mtime != 0, result.count >= 8 {
            for k in 0..<4 { result[4 + k] = UInt8(truncatingIfNeeded: mtime >> UInt32(8 * k)) }
        }
        return result
    }
}
