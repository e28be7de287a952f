/// One line waiting to be written: its time, its output stream and where its text lies in the arena.
struct Record {
    var time: Micros
    var seq: Int64
    var stream: Int32
    var flags: UInt8
    var start: Int
    var length: Int
}

/// Output streams. Auth logs are numbered by host index; the others follow.
enum StreamID {
    static let access: Int32 = 1000
    static let zeekConn: Int32 = 1001
    static let zeekSSH: Int32 = 1002
    static let zeekDNS: Int32 = 1003
    static let zeekHTTP: Int32 = 1004
    static let zeekAll: [Int32] = [zeekConn, zeekSSH, zeekDNS, zeekHTTP]
}

/// Flags on a record, for the ground truth.
enum RecordFlag {
    /// Caused by the attacker.
    static let attacker: UInt8 = 1
    /// Names the attacker's account or address (a candidate for the last event).
    static let naming: UInt8 = 2
    /// The designated final attacker event.
    static let final: UInt8 = 4
}

/// Lines not yet written, their text in one arena (no allocation per line).
///
/// For an auth log the text is `host program[pid]: message`; the writer adds the time stamp, whose
/// format depends on the rotation member. For every other stream the text is the whole line.
struct RecordStore {
    var arena: [UInt8] = []
    var records: [Record] = []

    mutating func add(stream: Int32, time: Micros, seq: Int64, flags: UInt8, start: Int) {
        records.append(
            Record(time: time, seq: seq, stream: stream, flags: flags, start: start, length: arena.count - start))
    }

    /// Moves the records before `end` out, sorted by stream, time and sequence; keeps the rest (compacted).
    mutating func take(before end: Micros) -> RecordStore {
        var due = RecordStore()
        var kept = RecordStore()
        due.arena.reserveCapacity(arena.count)
        for r in records {
            if r.time < end {
                let start = due.arena.count
                due.arena.append(contentsOf: arena[r.start..<(r.start + r.length)])
                due.records.append(
                    Record(time: r.time, seq: r.seq, stream: r.stream, flags: r.flags, start: start, length: r.length))
            } else {
                let start = kept.arena.count
                kept.arena.append(contentsOf: arena[r.start..<(r.start + r.length)])
                kept.records.append(
                    Record(time: r.time, seq: r.seq, stream: r.stream, flags: r.flags, start: start, length: r.length))
            }
        }
        self = kept
        due.records.sort { a, b in
            if a.stream != b.stream { return a.stream < b.stream }
            if a.time != b.time { return a.time < b.time }
            return a.seq < b.seq
        }
        return due
    }

    /// Appends all records of `other` (used to release planned records into the current window).
    mutating func absorb(_ other: RecordStore, where include: (Record) -> Bool) {
        for r in other.records where include(r) {
            let start = arena.count
            arena.append(contentsOf: other.arena[r.start..<(r.start + r.length)])
            records.append(
                Record(time: r.time, seq: r.seq, stream: r.stream, flags: r.flags, start: start, length: r.length))
        }
    }
}
