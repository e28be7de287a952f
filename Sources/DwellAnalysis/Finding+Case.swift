import DwellCore
import DwellIndex

/// Findings and the host directory's inputs as a persistent case stores them (docs/DESIGN.md, "The case on
/// disk"). Raw lines are not written here: the case keeps them once, in its lines file.
extension Finding {
    public func write(to w: inout BinaryWriter) {
        w.string(rule.name)
        w.string(title)
        w.string(technique)
        w.u8(UInt8(severity.rawValue))
        w.time(time)
        w.string(host)
        w.strings(indicators.map(\.description))
        w.string(why)
        w.int(evidence.count)
        for e in evidence { e.write(to: &w) }
        w.bool(seeds)
        w.string(role.rawValue)
        w.int(implies.count)
        for i in implies { i.write(to: &w) }
        w.int(count)
        w.optionalTime(lastTime)
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        let name = try r.string()
        title = try r.string()
        technique = try r.string()
        rule = RuleID(written: name, technique: technique)
        let at = r.position
        guard let s = Severity(rawValue: Int(try r.u8())) else { throw BinaryFormatError(offset: at, what: "severity") }
        severity = s
        time = try r.time()
        host = try r.string()
        let indicatorsAt = r.position
        indicators = []
        for text in try r.strings() {
            guard let i = Indicator(text: text) else { throw BinaryFormatError(offset: indicatorsAt, what: "indicator") }
            indicators.append(i)
        }
        why = try r.string()
        evidence = []
        for _ in 0..<(try r.count(minimumBytes: 36)) { evidence.append(try EvidenceRef(reading: &r)) }
        seeds = try r.bool()
        let roleAt = r.position
        guard let role = FindingRole(rawValue: try r.string()) else {
            throw BinaryFormatError(offset: roleAt, what: "finding role")
        }
        self.role = role
        implies = []
        for _ in 0..<(try r.count(minimumBytes: 1)) { implies.append(try Implication(reading: &r)) }
        count = try r.int()
        lastTime = try r.optionalTime()
    }
}

extension EvidenceRef {
    public func write(to w: inout BinaryWriter) {
        w.u32(fileID)
        w.string(file)
        w.u64(line)
        w.u64(offset)
        w.time(time)
    }

    /// A place in the evidence; its raw line is attached from the case's lines file.
    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        self.init(
            fileID: try r.u32(), file: try r.string(), line: try r.u64(), offset: try r.u64(), raw: [],
            time: try r.time())
    }
}

extension IPAddress {
    func write(to w: inout BinaryWriter) {
        w.u64(high)
        w.u64(low)
    }
    init(reading r: inout BinaryReader) throws(BinaryFormatError) { self.init(high: try r.u64(), low: try r.u64()) }
}

extension Implication {
    public func write(to w: inout BinaryWriter) {
        switch self {
        case .attackerAddress(let a):
            w.u8(0)
            a.write(to: &w)
        case .compromisedHost(let name, let address):
            w.u8(1)
            w.optionalString(name)
            w.bool(address != nil)
            address?.write(to: &w)
        case .compromisedAccount(let a):
            w.u8(2)
            w.string(a)
        case .lateral(let from, let to, let account, let method):
            w.u8(3)
            from.write(to: &w)
            to.write(to: &w)
            w.optionalString(account)
            w.string(method)
        }
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        let at = r.position
        switch try r.u8() {
        case 0: self = .attackerAddress(try IPAddress(reading: &r))
        case 1:
            let name = try r.optionalString()
            self = .compromisedHost(name: name, address: try r.bool() ? try IPAddress(reading: &r) : nil)
        case 2: self = .compromisedAccount(try r.string())
        case 3:
            self = .lateral(
                from: try IPAddress(reading: &r), to: try IPAddress(reading: &r), account: try r.optionalString(),
                method: try r.string())
        case let t: throw BinaryFormatError(offset: at, what: "implication type \(t)")
        }
    }
}

extension InvestigationRun.StoredAnalysis {
    public func write(to w: inout BinaryWriter) {
        w.int(findings.count)
        for f in findings { f.write(to: &w) }
        w.array(ownTraffic.packedKeys)
        w.optionalString(networkCaveat)
        w.int(hostEntries.count)
        for h in hostEntries {
            h.address.write(to: &w)
            w.string(h.host)
            w.optionalTime(h.from)
            w.optionalTime(h.to)
            w.string(h.origin)
        }
        w.int(internalNetworks.count)
        for n in internalNetworks {
            n.address.write(to: &w)
            w.int(n.prefixLength)
        }
        w.bool(hostDirectory != nil)
        hostDirectory?.write(to: &w)
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        self.init()
        for _ in 0..<(try r.count(minimumBytes: 40)) { findings.append(try Finding(reading: &r)) }
        ownTraffic = OwnTrafficLines(packedKeys: try r.array())
        networkCaveat = try r.optionalString()
        for _ in 0..<(try r.count(minimumBytes: 34)) {
            hostEntries.append(
                HostMapEntry(
                    address: try IPAddress(reading: &r), host: try r.string(), from: try r.optionalTime(),
                    to: try r.optionalTime(), origin: try r.string()))
        }
        for _ in 0..<(try r.count(minimumBytes: 24)) {
            internalNetworks.append(IPNetwork(address: try IPAddress(reading: &r), prefixLength: try r.int()))
        }
        if try r.bool() { hostDirectory = try HostDirectory.Snapshot(reading: &r) }
    }
}
