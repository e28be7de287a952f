// What several suites measure dwell against, in one place.
import CZlib
import Foundation

/// Baseline shared by the suites: zlib inflate alone into a 256 KiB buffer (the file read whole first), no
/// framing, no hashing.
public func inflateOnly(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path) else { return 0 }
    var stream = z_stream()
    guard czlib_inflate_init_auto(&stream) == Z_OK else { return 0 }
    defer { inflateEnd(&stream) }
    var total = 0
    var out = [UInt8](repeating: 0, count: 1 << 18)
    var input = [UInt8](data)
    input.withUnsafeMutableBufferPointer { inp in
        stream.next_in = inp.baseAddress
        stream.avail_in = uInt(inp.count)
        out.withUnsafeMutableBufferPointer { outp in
            while true {
                stream.next_out = outp.baseAddress
                stream.avail_out = uInt(outp.count)
                let rc = inflate(&stream, Z_NO_FLUSH)
                total += outp.count - Int(stream.avail_out)
                if rc != Z_OK { break }
            }
        }
    }
    return total
}

