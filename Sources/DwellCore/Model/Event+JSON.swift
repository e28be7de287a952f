extension Event {
    /// Writes the event as one JSON object (the `dwell parse --output jsonl` contract in DESIGN.md):
    /// only the fields that apply, symbols resolved through `symbols`.
    public func appendJSON(
        to json: inout JSONBuffer, symbols: SymbolTable, file: String, format: String,
        extra: (inout JSONBuffer) -> Void = { _ in }
    ) {
        json.beginObject()
        json.key("time"); json.time(time)
        json.key("time_source"); json.string(timeSource.name)
        func sym(_ k: StaticString, _ s: Symbol) {
            guard !s.isNone else { return }
            json.key(k)
            symbols.withBytes(s) { json.string(bytes: $0) }
        }
        sym("host", host)
        json.key("format"); json.string(format)
        json.key("kind"); json.string(kind.name)
        if let o = outcome.name { json.key("outcome"); json.string(o) }
        if !sourceIP.isNone { json.key("src_ip"); json.string(sourceIP.description) }
        if hasSourcePort { json.key("src_port"); json.int(sourcePort) }
        if !destinationIP.isNone { json.key("dst_ip"); json.string(destinationIP.description) }
        if hasDestinationPort { json.key("dst_port"); json.int(destinationPort) }
        sym("user", user)
        sym("target_user", targetUser)
        sym("auth_method", authMethod)
        sym("key_fingerprint", keyFingerprint)
        sym("program", program)
        if pid >= 0 { json.key("pid"); json.int(pid) }
        sym("tty", tty)
        sym("session", sessionID)
        if uidValue >= 0 { json.key("uid_number"); json.int(uidValue) }
        sym("command", command)
        sym("method", httpMethod)
        sym("path", path)
        sym("query", query)
        if httpStatus >= 0 { json.key("status"); json.int(httpStatus) }
        if bytesIn >= 0 { json.key("bytes_in"); json.int(bytesIn) }
        if bytesOut >= 0 { json.key("bytes_out"); json.int(bytesOut) }
        if packetsIn >= 0 { json.key("packets_in"); json.int(packetsIn) }
        if packetsOut >= 0 { json.key("packets_out"); json.int(packetsOut) }
        sym("user_agent", userAgent)
        sym("referer", referer)
        sym("vhost", virtualHost)
        sym("forwarded_for", forwardedFor)
        sym("domain", domain)
        sym("service", service)
        sym("protocol", networkProtocol)
        sym("uid", connectionUID)
        sym("signature", signature)
        if ruleID >= 0 { json.key("rule_id"); json.int(ruleID) }
        if severity >= 0 { json.key("severity"); json.int(severity) }
        sym("hash", fileHash)
        sym("detail", detail)
        sym("in_interface", inInterface)
        sym("out_interface", outInterface)
        if repeatCount > 1 { json.key("repeat"); json.int(repeatCount) }
        if locality & Locality.originKnown != 0 { json.key("local_orig"); json.bool(locality & Locality.originLocal != 0) }
        if locality & Locality.responderKnown != 0 {
            json.key("local_resp"); json.bool(locality & Locality.responderLocal != 0)
        }
        if durationMicros >= 0 { json.key("duration"); json.double(Double(durationMicros) / 1_000_000) }
        json.key("file"); json.string(file)
        json.key("line"); json.int(source.line)
        json.key("offset"); json.int(source.offset)
        extra(&json)
        json.endObject()
    }
}
