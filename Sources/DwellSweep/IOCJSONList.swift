import DwellCore
import Foundation

/// The JSON lists: a STIX 2.1 bundle, dwell's own `report.json`, MISP event JSON.
enum JSONList {
    static func parse(
        _ bytes: [UInt8], name: String, format: IOCList.Format, into list: inout IOCList, problems: inout [IOCProblem]
    ) throws(IOCProblem) {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo["NSDebugDescription"].map { "\($0)" } ?? "\(error)"
            throw IOCProblem(
                .unreadable, IOCOrigin(file: name),
                "not valid JSON (\(reason)); a \(format.rawValue) IOC list must be JSON. Check the file or give a text list")
        }
        var locator = LineLocator(bytes: bytes)
        switch format {
        case .stix: try stix(root, name: name, locator: &locator, into: &list, problems: &problems)
        case .report: try report(root, name: name, locator: &locator, into: &list, problems: &problems)
        case .misp: misp(root, name: name, locator: &locator, into: &list, problems: &problems)
        case .text, .csv: break
        }
    }

    // MARK: STIX

    static func stix(
        _ root: Any, name: String, locator: inout LineLocator, into list: inout IOCList, problems: inout [IOCProblem]
    ) throws(IOCProblem) {
        let objects: [Any]
        if let d = root as? [String: Any], d["type"] as? String == "bundle" {
            objects = d["objects"] as? [Any] ?? []
        } else if let d = root as? [String: Any], d["type"] as? String == "indicator" {
            objects = [d]
        } else if let a = root as? [Any] {
            objects = a
        } else {
            throw IOCProblem(
                .unreadable, IOCOrigin(file: name),
                "not a STIX 2.1 bundle (expected {\"type\": \"bundle\", \"objects\": [...]})")
        }
        var indicators = 0
        for (k, o) in objects.enumerated() {
            guard let obj = o as? [String: Any], obj["type"] as? String == "indicator" else { continue }
            indicators += 1
            let id = obj["id"] as? String ?? "objects[\(k)]"
            let origin = IOCOrigin(file: name, line: locator.line(ofString: id), ref: id)
            if obj["revoked"] as? Bool == true {
                problems.append(IOCProblem(.skipped, origin, "revoked indicator; not matched"))
                continue
            }
            let patternType = obj["pattern_type"] as? String ?? "stix"
            guard patternType == "stix" else {
                problems.append(
                    IOCProblem(.unsupported, origin, "pattern_type '\(TerminalText.safe(patternType))' (dwell reads 'stix' patterns)"))
                continue
            }
            guard let pattern = obj["pattern"] as? String else {
                problems.append(IOCProblem(.malformed, origin, "indicator without a pattern"))
                continue
            }
            let note = (obj["name"] as? String) ?? (obj["description"] as? String)
            do throws(STIXPattern.Failure) {
                let alternatives = try STIXPattern.parse(pattern)
                var rules: [IOCRule] = []
                for alt in alternatives {
                    var atoms: [IOCAtom] = []
                    for c in alt {
                        let a = try STIXPattern.atom(c)
                        if !atoms.contains(a) { atoms.append(a) }
                    }
                    let text = alternatives.count == 1 && alt.count == 1 ? atoms[0].text : pattern
                    rules.append(IOCRule(atoms: atoms, text: text, origin: origin, note: note))
                }
                list.rules += rules
            } catch {
                switch error {
                case .unsupported(let why):
                    problems.append(
                        IOCProblem(.unsupported, origin, "pattern \(TerminalText.safe(pattern)): \(TerminalText.safe(why))"))
                case .malformed(let why):
                    problems.append(
                        IOCProblem(.malformed, origin, "pattern \(TerminalText.safe(pattern)): \(TerminalText.safe(why))"))
                }
            }
        }
        if indicators == 0 {
            problems.append(IOCProblem(.skipped, IOCOrigin(file: name), "the bundle holds no indicator objects"))
        }
    }

    // MARK: dwell report.json

    static func report(
        _ root: Any, name: String, locator: inout LineLocator, into list: inout IOCList, problems: inout [IOCProblem]
    ) throws(IOCProblem) {
        guard let d = root as? [String: Any] else {
            throw IOCProblem(.unreadable, IOCOrigin(file: name), "not a dwell report.json (expected a JSON object)")
        }
        let typeNames: [String: String] = [
            "ip": "ip", "user": "user", "host": "host", "url": "url", "path": "url", "user_agent": "ua",
            "domain": "domain", "hash": "hash",
        ]
        var seen: Set<String> = []
        func add(type: String, value: String, ref: String, note: String?) {
            guard seen.insert(type + "\u{0}" + value).inserted else { return }
            let origin = IOCOrigin(file: name, line: locator.line(ofString: value), ref: ref)
            guard let t = typeNames[type] else {
                problems.append(
                    IOCProblem(.unsupported, origin, "indicator type '\(TerminalText.safe(type))' is not matched by sweep"))
                return
            }
            do throws(IOCList.AtomError) {
                let a = try IOCList.atom(type: t, value: value, wildcards: false)
                list.rules.append(IOCRule(atoms: [a], text: a.text, origin: origin, note: note))
            } catch {
                problems.append(IOCProblem(.malformed, origin, TerminalText.safe(error.message)))
            }
        }
        for (k, item) in (d["indicators"] as? [Any] ?? []).enumerated() {
            guard let o = item as? [String: Any], let type = o["type"] as? String, let value = o["value"] as? String else {
                problems.append(IOCProblem(.malformed, IOCOrigin(file: name, ref: "indicators[\(k)]"), "needs type and value"))
                continue
            }
            add(type: type, value: value, ref: "indicators[\(k)]", note: o["reason"] as? String)
        }
        let scope = d["scope"] as? [String: Any] ?? [:]
        for (key, type) in [("source_ips", "ip"), ("accounts", "user")] {
            for (k, item) in (scope[key] as? [Any] ?? []).enumerated() {
                guard let o = item as? [String: Any], let value = o["value"] as? String else { continue }
                add(type: o["type"] as? String ?? type, value: value, ref: "scope.\(key)[\(k)]", note: o["reason"] as? String)
            }
        }
        if seen.isEmpty {
            problems.append(IOCProblem(.skipped, IOCOrigin(file: name), "the report lists no indicators, source IPs or accounts"))
        }
    }

    // MARK: MISP

    static func misp(
        _ root: Any, name: String, locator: inout LineLocator, into list: inout IOCList, problems: inout [IOCProblem]
    ) {
        // { "Event": {...} } | { "response": [ { "Event": ... } ] } | { "Attribute": [...] } | [ {...}, ... ]
        var attributes: [[String: Any]] = []
        func collect(_ any: Any) {
            if let a = any as? [Any] {
                a.forEach(collect)
                return
            }
            guard let d = any as? [String: Any] else { return }
            if let e = d["Event"] { collect(e) }
            if let r = d["response"] { collect(r) }
            if let attrs = d["Attribute"] as? [Any] { attributes += attrs.compactMap { $0 as? [String: Any] } }
            if let objs = d["Object"] as? [Any] { objs.forEach(collect) }
            if d["type"] is String, d["value"] is String, d["Attribute"] == nil { attributes.append(d) }
        }
        collect(root)
        let mispTypes: [String: String] = [
            "ip-src": "ip", "ip-dst": "ip", "ip-src|port": "ip-src|port", "ip-dst|port": "ip-dst|port",
            "domain": "domain", "hostname": "domain", "url": "url", "uri": "url", "link": "url", "user-agent": "ua",
            "md5": "hash", "sha1": "hash", "sha256": "hash", "filename|md5": "filename|md5",
            "filename|sha1": "filename|sha1", "filename|sha256": "filename|sha256", "target-user": "user",
            "github-username": "user", "text": "",
        ]
        for (k, a) in attributes.enumerated() {
            guard let type = a["type"] as? String, let value = a["value"] as? String else { continue }
            let ref = a["uuid"] as? String ?? "Attribute[\(k)]"
            let origin = IOCOrigin(file: name, line: locator.line(ofString: a["uuid"] as? String ?? value), ref: ref)
            if a["to_ids"] as? Bool == false || (a["to_ids"] as? String).map({ $0 == "0" || $0 == "false" }) == true {
                problems.append(IOCProblem(.skipped, origin, "MISP attribute with to_ids false (\(type)); not matched"))
                continue
            }
            guard let t = mispTypes[type], !t.isEmpty else {
                problems.append(IOCProblem(.unsupported, origin, "MISP attribute type '\(TerminalText.safe(type))'"))
                continue
            }
            do throws(IOCList.AtomError) {
                let atom = try IOCList.atom(type: t, value: value, wildcards: false)
                list.rules.append(IOCRule(atoms: [atom], text: atom.text, origin: origin, note: a["comment"] as? String))
            } catch {
                problems.append(IOCProblem(.malformed, origin, TerminalText.safe(error.message)))
            }
        }
        if attributes.isEmpty {
            problems.append(IOCProblem(.skipped, IOCOrigin(file: name), "no MISP attributes found"))
        }
    }
}

/// Finds the line where a string value first appears (searching forward from the last hit, so objects in
/// document order get increasing lines), for pointing at an indicator in a JSON list.
struct LineLocator {
    let bytes: [UInt8]
    var cursor = 0
    /// The line number at `cursor`.
    var cursorLine = 1

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func line(ofString s: String) -> Int? {
        var escaped: [UInt8] = [UInt8(ascii: "\"")]
        JSONBuffer.escape(Array(s.utf8), into: &escaped)
        escaped.append(UInt8(ascii: "\""))
        // JSON writers may escape '/' as '\/'; try both.
        var alternative = [UInt8]()
        for b in escaped {
            if b == UInt8(ascii: "/") { alternative.append(UInt8(ascii: "\\")) }
            alternative.append(b)
        }
        for from in [cursor, 0] {
            for needle in [escaped, alternative] {
                if let at = find(needle, from: from) {
                    var n = from == cursor ? cursorLine : 1
                    for i in from..<at where bytes[i] == 0x0a { n += 1 }
                    cursor = at + needle.count
                    cursorLine = n
                    for i in at..<cursor where bytes[i] == 0x0a { cursorLine += 1 }
                    return n
                }
            }
        }
        return nil
    }

    func find(_ needle: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count, from <= bytes.count - needle.count else { return nil }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == needle[0] {
                var k = 1
                while k < needle.count, bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
