// What several suites measure dwell against, in one place.
import CIsal
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


/// Second baseline: ISA-L inflate alone (what dwell itself inflates with where libisal-dev is installed), same
/// shape as `inflateOnly`. Single-member files; 0 when ISA-L is not available. The inflater takes the deflate
/// data after the gzip header (as dwell gives it), so the header is skipped here.
public func isalInflateOnly(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path), let inflater = dwell_isal_create() else { return 0 }
    defer { dwell_isal_destroy(inflater) }
    var total = 0
    var out = [UInt8](repeating: 0, count: 1 << 18)
    let input = [UInt8](data)
    guard let start = gzipHeaderLength(input) else { return 0 }
    input.withUnsafeBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { outp in
            var offset = start
            while true {
                var consumed = 0
                var produced = 0
                let rc = dwell_isal_inflate(
                    inflater, inp.baseAddress! + offset, inp.count - offset, outp.baseAddress!, outp.count, &consumed, &produced)
                offset += consumed
                total += produced
                if rc != Int32(DWELL_ISAL_PROGRESS) || (consumed == 0 && produced == 0) { break }
            }
        }
    }
    return total
}

/// The length of a gzip member's header (RFC 1952: ten bytes, then the optional fields the flags announce).
func gzipHeaderLength(_ b: [UInt8]) -> Int? {
    guard b.count >= 10, b[0] == 0x1f, b[1] == 0x8b else { return nil }
    let flags = b[3]
    var i = 10
    if flags & 0x04 != 0 {
        guard i + 2 <= b.count else { return nil }
        i += 2 + (Int(b[i]) | Int(b[i + 1]) << 8)
    }
    for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {
        while i < b.count, b[i] != 0 { i += 1 }
        i += 1
    }
    if flags & 0x02 != 0 { i += 2 }
    return i <= b.count ? i : nil
}
