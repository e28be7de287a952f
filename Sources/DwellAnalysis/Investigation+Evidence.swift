/// The one list of the places an investigation cites.
///
/// Reading the cited raw lines back (`EvidenceLookup.citedLines`), attaching them (`EvidenceLookup.fill`) and the
/// lines a case keeps (`CaseLines.cited`) all walk the investigation here, so a collection that carries evidence is
/// added in this file and nowhere else. The two forms visit the same places in the same order (the first and last
/// evidence, hosts, accounts, source addresses, data touched, indicators, lateral edges with their corroboration,
/// paths with theirs, the timeline, findings, host addresses, the hostile background, logins at risk);
/// `InvestigationEvidenceTests` checks by reflection that they reach every `EvidenceRef` an investigation holds.
extension Investigation {
    /// Calls `body` with every evidence reference the investigation cites (a line cited twice is visited twice).
    public func forEachEvidence(_ body: (EvidenceRef) throws -> Void) rethrows {
        func visit(_ e: EvidenceRef?) throws { if let e { try body(e) } }
        func visit(_ edge: LateralEdge) throws {
            try body(edge.evidence)
            for c in edge.corroboration { try body(c) }
        }
        try visit(firstEvidence)
        try visit(lastEvidence)
        for h in hosts { try visit(h.evidence) }
        for a in accounts { try visit(a.evidence) }
        for s in sourceIPs { try visit(s.evidence) }
        for d in dataTouched { try visit(d.evidence) }
        for i in indicators { try visit(i.evidence) }
        for e in edges { try visit(e) }
        for p in paths { for e in p { try visit(e) } }
        for t in timeline { try body(t.evidence) }
        for f in findings { for e in f.evidence { try body(e) } }
        for b in hostAddresses { try visit(b.evidence) }
        for b in background { try visit(b.evidence) }
        for r in atRisk { try body(r.evidence) }
    }

    /// Calls `body` on every evidence reference the investigation cites, in `forEachEvidence`'s order, to change it
    /// in place (attaching raw lines).
    public mutating func updateEachEvidence(_ body: (inout EvidenceRef) throws -> Void) rethrows {
        func visit(_ e: inout EvidenceRef?) throws {
            guard var x = e else { return }
            try body(&x)
            e = x
        }
        func visit(_ edge: inout LateralEdge) throws {
            try body(&edge.evidence)
            for k in edge.corroboration.indices { try body(&edge.corroboration[k]) }
        }
        try visit(&firstEvidence)
        try visit(&lastEvidence)
        for i in hosts.indices { try visit(&hosts[i].evidence) }
        for i in accounts.indices { try visit(&accounts[i].evidence) }
        for i in sourceIPs.indices { try visit(&sourceIPs[i].evidence) }
        for i in dataTouched.indices { try visit(&dataTouched[i].evidence) }
        for i in indicators.indices { try visit(&indicators[i].evidence) }
        for i in edges.indices { try visit(&edges[i]) }
        for p in paths.indices { for j in paths[p].indices { try visit(&paths[p][j]) } }
        for i in timeline.indices { try body(&timeline[i].evidence) }
        for i in findings.indices { for j in findings[i].evidence.indices { try body(&findings[i].evidence[j]) } }
        for i in hostAddresses.indices { try visit(&hostAddresses[i].evidence) }
        if !background.isEmpty {
            // `background` recomputes its address set when set: take it out, change it, put it back once.
            var sources = background
            background = []
            defer { background = sources }
            for i in sources.indices { try visit(&sources[i].evidence) }
        }
        for i in atRisk.indices { try body(&atRisk[i].evidence) }
    }
}
