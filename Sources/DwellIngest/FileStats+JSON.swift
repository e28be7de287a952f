import DwellCore

extension FileStats {
    /// The manifest entry as JSON (`evidence.files[]` of report.json, `dwell manifest --output json`).
    public func appendJSON(to json: inout JSONBuffer) {
        json.beginObject()
        json.key("path"); json.string(file.displayPath)
        json.key("sha256"); json.string(sha256)
        json.key("bytes"); json.int(rawBytes)
        json.key("decompressed_bytes"); json.int(decompressedBytes)
        json.key("compression"); json.string(compression.rawValue)
        if gzipMembers > 0 { json.key("gzip_members"); json.int(gzipMembers) }
        json.key("rotation"); json.beginObject()
        json.key("set"); json.string(file.rotationSet)
        json.key("position"); json.int(file.rotationIndex + 1)
        json.key("of"); json.int(file.rotationCount)
        json.endObject()
        if let h = file.hostHint { json.key("host_hint"); json.string(h) }
        if let format { json.key("format"); json.string(format) } else { json.key("format"); json.null() }
        if let j = journal {
            json.key("journal"); json.beginObject()
            json.key("state"); json.string(j.state)
            json.key("compression"); json.string(j.compression)
            json.key("compact"); json.bool(j.compact)
            json.key("keyed_hash"); json.bool(j.keyedHash)
            json.key("incompatible_flags"); json.int(UInt64(j.incompatibleFlags))
            json.key("compatible_flags"); json.int(UInt64(j.compatibleFlags))
            json.key("header_entries"); json.int(j.headerEntries)
            json.key("entries_read"); json.int(j.entriesRead)
            json.key("entries_recovered"); json.int(j.entriesRecovered)
            json.key("entries_lost"); json.int(j.entriesLost)
            if let a = j.firstSeqnum { json.key("first_seqnum"); json.int(a) }
            if let b = j.lastSeqnum { json.key("last_seqnum"); json.int(b) }
            json.key("head_realtime"); json.string(j.headRealtime.iso8601(fractionDigits: 6))
            json.key("tail_realtime"); json.string(j.tailRealtime.iso8601(fractionDigits: 6))
            json.key("seqnum_id"); json.string(j.seqnumID)
            json.key("machine_id"); json.string(j.machineID)
            json.key("source_time_entries"); json.int(j.sourceTimeEntries)
            json.endObject()
        }
        json.key("lines"); json.int(lines)
        json.key("parsed"); json.int(parsed)
        json.key("non_events"); json.int(nonEvents)
        json.key("rejected"); json.int(rejected)
        json.key("rejections"); json.beginObject()
        for (reason, n) in rejectionsByReason.sorted(by: { $0.key < $1.key }) { json.key(reason); json.int(n) }
        json.endObject()
        json.key("rejected_samples"); json.beginArray()
        for s in samples {
            json.beginObject()
            json.key("line"); json.int(s.line)
            json.key("offset"); json.int(s.offset)
            json.key("reason"); json.string(s.reason)
            if let c = s.column { json.key("column"); json.int(c) }
            json.key("raw"); json.string(bytes: s.raw)
            json.endObject()
        }
        json.endArray()
        if let firstTime { json.key("first_time"); json.time(firstTime) }
        if let lastTime { json.key("last_time"); json.time(lastTime) }
        json.key("time_sources"); json.beginObject()
        for (name, n) in timeSources.sorted(by: { $0.key < $1.key }) { json.key(name); json.int(n) }
        json.endObject()
        // The year reference matters only when some event's year was inferred from it; otherwise it is left out,
        // so a copy of the same evidence with other file times gives the same report.
        let yearInferred = timeSources.keys.contains { $0.contains("year=") && !$0.contains("year=explicit") }
        if yearInferred, let yearReference, let yearReferenceSource {
            json.key("year_reference"); json.beginObject()
            json.key("time"); json.time(yearReference, fractionDigits: 0)
            json.key("source"); json.string(yearReferenceSource)
            json.endObject()
        }
        json.key("zone"); json.string(zone)
        if let duplicateOf { json.key("duplicate_of"); json.string(duplicateOf) }
        json.key("errors"); json.beginArray()
        for issue in issues { issue.appendJSON(to: &json) }
        json.endArray()
        json.endObject()
    }
}

extension EvidenceIssue {
    public func appendJSON(to json: inout JSONBuffer) {
        json.beginObject()
        json.key("kind"); json.string(kind.rawValue)
        json.key("path"); json.string(path)
        if let offset { json.key("offset"); json.int(offset) }
        if let line { json.key("line"); json.int(line) }
        json.key("problem"); json.bool(isProblem)
        json.key("message"); json.string(message)
        json.endObject()
    }
}
