// Target `lines`: the line framer (`LineReader`) against a plain reference split, at fuzzed buffer capacities,
// line limits and read sizes. Input: byte 0 buffer capacity, byte 1 the line limit, byte 2 the read size, byte 3
// how much detection peeks first; the rest is the stream. Invariants: the same lines as the reference, each
// with its number and the offset where it starts; long lines counted with their first line and offset; every byte
// counted; the same result at the default capacity and read size.
import DwellCore

struct Framed: Equatable {
    var lines: [[UInt8]] = []
    var numbers: [UInt64] = []
    var offsets: [UInt64] = []
    var nul: [Bool] = []
    var long: [LineReader.LongLine] = []
    var longCount: UInt64 = 0
    var lineCount: UInt64 = 0
    var total: UInt64 = 0
    var endsWithoutNewline = false
}

func frame(_ stream: [UInt8], capacity: Int, maxLine: Int, chunk: Int, peek: Int) -> Framed {
    var reader = LineReader(capacity: capacity, maxLineBytes: maxLine)
    defer { reader.deallocate() }
    var source = MemorySource(stream, chunkBytes: chunk)
    let peeked = reader.peek(peek, from: &source)
    require(peeked == Array(stream.prefix(peek)), "peek(\(peek)) is not the stream's first bytes")
    var f = Framed()
    reader.forEachLine(from: &source) { line, info in
        var bytes = [UInt8]()
        line.withUnsafeBufferPointer { bytes = Array($0) }
        f.lines.append(bytes)
        f.numbers.append(info.number)
        f.offsets.append(info.offset)
        f.nul.append(info.hasNUL)
    }
    f.long = reader.longLines
    f.longCount = reader.longLineCount
    f.lineCount = reader.lineCount
    f.total = reader.totalBytes
    f.endsWithoutNewline = reader.endsWithoutNewline
    return f
}

/// The reference: split at LF, drop one CR before it, lines over the limit counted instead of delivered.
func reference(_ stream: [UInt8], maxLine: Int) -> Framed {
    var f = Framed()
    var start = 0
    var number: UInt64 = 0
    while start < stream.count {
        let nl = stream[start...].firstIndex(of: 0x0a)
        let end = nl ?? stream.count
        number += 1
        if end - start > maxLine {
            f.longCount += 1
            if f.long.count < 20 {
                f.long.append(LineReader.LongLine(line: number, offset: UInt64(start), bytes: UInt64(end - start)))
            }
        } else {
            var e = end
            if e > start && stream[e - 1] == 0x0d { e -= 1 }
            f.lines.append(Array(stream[start..<e]))
            f.numbers.append(number)
            f.offsets.append(UInt64(start))
            f.nul.append(stream[start..<end].contains(0))
        }
        if nl == nil { f.endsWithoutNewline = true }
        start = end + 1
    }
    f.lineCount = number
    f.total = UInt64(stream.count)
    return f
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 4 else { return 0 }
    let capacity = 1 + Int(data[0]) * 3
    let maxLine = 1 + Int(data[1]) % 200
    let chunk = 1 + Int(data[2])
    let peek = Int(data[3]) * 2
    let stream = Array(UnsafeBufferPointer(start: data + 4, count: size - 4))
    let expected = reference(stream, maxLine: maxLine)
    let got = frame(stream, capacity: capacity, maxLine: maxLine, chunk: chunk, peek: peek)
    require(got.lineCount == expected.lineCount, "\(got.lineCount) lines framed, \(expected.lineCount) in the stream")
    require(got.total == expected.total, "\(got.total) bytes counted of \(expected.total)")
    require(got.numbers == expected.numbers, "line numbers differ from the reference")
    require(got.offsets == expected.offsets, "line offsets differ from the reference")
    require(got.lines == expected.lines, "line bytes differ from the reference")
    require(got.nul == expected.nul, "NUL flags differ from the reference")
    require(got.longCount == expected.longCount, "\(got.longCount) long lines counted, \(expected.longCount) in the stream")
    require(got.long == expected.long, "long lines' places differ from the reference: \(got.long) vs \(expected.long)")
    require(got.endsWithoutNewline == expected.endsWithoutNewline, "the missing last newline was not noted")
    let plain = frame(stream, capacity: LineReader.defaultCapacity, maxLine: maxLine, chunk: .max, peek: 0)
    require(plain == got, "capacity \(capacity), read size \(chunk) and peek \(peek) change the framing")
    return 0
}
