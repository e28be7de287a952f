import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline

extension Case {
    /// What updating a case with the evidence found now did, file by file.
    public struct Update: Sendable {
        /// Files whose content the case already held (same SHA-256), perhaps under another name (rotation).
        public var kept: [(was: String, now: String)] = []
        /// Files read: new, grown or changed.
        public var read: [String] = []
        /// Recorded files whose content is no longer under the inputs.
        public var dropped: [String] = []
    }

    /// The case for the evidence `found` now, reusing this case: a file whose SHA-256 the case records keeps its
    /// events without being parsed again (under its new name when it was rotated); new, grown and changed files
    /// are read; recorded content no longer present is dropped. The result is not analysed (`investigate --case`
    /// runs the detectors). - Complexity: hashes every file; parses only the files not kept.
    public func updated(
        with found: Discovery.Result, inputs: [String], options: IngestOptions, progress: IngestProgress? = nil
    ) -> (Case, Update) {
        var update = Update()
        var statsByID: [UInt32: FileStats] = [:]
        for s in stats { statsByID[s.file.id] = s }
        var oldByHash: [String: UInt32] = [:]
        for e in evidence where !e.isStdin {
            if let sha = statsByID[e.id]?.sha256, !sha.isEmpty, oldByHash[sha] == nil { oldByHash[sha] = e.id }
        }
        var fileMap = [UInt32?](repeating: nil, count: evidence.count)
        var keptStats: [FileStats] = []
        var toRead: [EvidenceFile] = []
        for f in found.files {
            if !f.isStdin, case .success(let h) = Self.hash(path: f.path, prefixBytes: 0),
                let old = oldByHash[h.sha256],
                fileMap[Int(old)] == nil, var s = statsByID[old]
            {
                fileMap[Int(old)] = f.id
                s.file = f
                keptStats.append(s)
                update.kept.append((evidence[Int(old)].displayPath, f.displayPath))
            } else {
                toRead.append(f)
                update.read.append(f.displayPath)
            }
        }
        for e in evidence where fileMap[Int(e.id)] == nil { update.dropped.append(e.displayPath) }
        let built = InvestigationRun.index(
            files: toRead, options: options, hostEntries: analysis.hostEntries,
            internalNetworks: analysis.internalNetworks, progress: progress, kept: store.keeping(files: fileMap))
        // Lines of packets hosts sent themselves, and the raw lines held, follow their files' new ids.
        var own = built.analysis.ownTraffic.packedKeys
        for k in analysis.ownTraffic.packedKeys {
            let f = Int(k >> 32)
            if f < fileMap.count, let now = fileMap[f] { own.append(UInt64(now) << 32 | (k & 0xFFFF_FFFF)) }
        }
        var newAnalysis = built.analysis
        newAnalysis.ownTraffic = OwnTrafficLines(packedKeys: own)
        var raw: [UInt32: [UInt64: [UInt8]]] = [:]
        for (f, lines) in lines.all where Int(f) < fileMap.count {
            if let now = fileMap[Int(f)] { raw[now] = lines }
        }
        let c = Case(
            directory: directory, inputs: inputs, evidence: found.files,
            stats: (keptStats + built.stats).sorted { $0.file.id < $1.file.id }, discoveryIssues: found.issues,
            seeds: seeds, rulesFile: rulesFile, rulesText: rulesText, analysed: false, store: built.store,
            analysis: newAnalysis, lines: CaseLines(raw))
        return (c, update)
    }
}
