import DwellScenario
import Foundation
import Testing

/// A small scenario for the tests: three days, a tenth of the default background.
func smallOptions(seed: UInt64, out: String?, name: String = "incident") -> ScenarioOptions {
    ScenarioOptions(seed: seed, outputDirectory: out, name: name, days: 3, backgroundScale: 0.1)
}

@Test func sameSeedGivesByteIdenticalFiles() throws {
    let a = try Scratch.directory("same-a")
    let b = try Scratch.directory("same-b")
    defer {
        Scratch.remove(a)
        Scratch.remove(b)
    }
    _ = try ScenarioGenerator.generate(smallOptions(seed: 42, out: a))
    _ = try ScenarioGenerator.generate(smallOptions(seed: 42, out: b))
    let filesA = Scratch.files(under: a)
    #expect(filesA == Scratch.files(under: b))
    #expect(filesA.count > 100)
    for file in filesA {
        let same = try Scratch.bytes(a + "/" + file) == Scratch.bytes(b + "/" + file)
        #expect(same, "\(file) differs between two runs with the same seed")
    }
}

@Test func differentSeedsGiveDifferentTimelines() throws {
    var seen: Set<String> = []
    for seed: UInt64 in [1, 2, 3, 4, 5] {
        let result = try ScenarioGenerator.generate(smallOptions(seed: seed, out: nil))
        let truth = try JSONSerialization.jsonObject(with: Data(result.groundTruthJSON.utf8)) as? [String: Any]
        let attack = truth?["attack"] as? [String: Any]
        let first = try #require(attack?["first_seen"] as? String)
        seen.insert(first)
    }
    #expect(seen.count == 5)
}

@Test(arguments: [UInt64(3), 8, 21, 2026])
func groundTruthEventsPointAtTheAttackersLines(seed: UInt64) throws {
    let out = try Scratch.directory("truth")
    defer { Scratch.remove(out) }
    _ = try ScenarioGenerator.generate(smallOptions(seed: seed, out: out))
    let root = out + "/incident"
    let truth = try Scratch.groundTruth(root)
    let attack = try #require(truth["attack"] as? [String: Any])
    let firstSeen = try #require(attack["first_seen"] as? String)
    let lastSeen = try #require(attack["last_seen"] as? String)

    let first = try #require(truth["first_event"] as? [String: Any])
    let firstFile = try #require(first["file"] as? String)
    let firstLine = try #require(first["line"] as? Int)
    let firstText = try Scratch.lines(root + "/" + firstFile)[firstLine - 1]
    #expect(firstFile.hasPrefix("web01/var/log/nginx/access.log"))
    #expect(firstText.hasPrefix("203.0.113.45 - - ["))
    #expect(firstText.contains("Nikto"))
    // The access log's time, `12/Mar/2026:14:02:11`, is first_seen's.
    let month = [
        "01": "Jan", "02": "Feb", "03": "Mar", "04": "Apr", "05": "May", "06": "Jun", "07": "Jul", "08": "Aug",
        "09": "Sep", "10": "Oct", "11": "Nov", "12": "Dec",
    ]
    let p = Array(firstSeen)
    let nginxTime = "\(String(p[8..<10]))/\(month[String(p[5..<7])] ?? "")/\(String(p[0..<4])):\(String(p[11..<19]))"
    #expect(firstText.contains("[" + nginxTime + " +0000]"))

    let last = try #require(truth["last_event"] as? [String: Any])
    let lastFile = try #require(last["file"] as? String)
    let lastLine = try #require(last["line"] as? Int)
    let lastText = try Scratch.lines(root + "/" + lastFile)[lastLine - 1]
    #expect(lastFile.hasPrefix("app01/var/log/auth.log"))
    #expect(lastText.hasSuffix("sshd:session): session closed for user deploy"))
    let stamp = try #require(Scratch.rfc3339(lastText.prefix(32)))
    #expect(isoSeconds(stamp) == lastSeen)

    // Nothing of the attacker's appears after last_seen in any log line that names it.
    let hops = try #require(truth["lateral_path"] as? [[String: Any]])
    #expect(hops.first?["from"] as? String == "web01")
    #expect(hops.first?["to"] as? String == "app01")
    #expect(hops.last?["to"] as? String == "db01")
}

@Test func targetBytesIsRoughlyHonoured() throws {
    let out = try Scratch.directory("target")
    defer { Scratch.remove(out) }
    let target: Int64 = 5 << 20
    var options = smallOptions(seed: 9, out: out)
    options.targetBytes = target
    let result = try ScenarioGenerator.generate(options)
    var total: Int64 = 0
    for file in Scratch.files(under: out + "/incident") {
        total += Int64(try Scratch.text(out + "/incident/" + file).count)
    }
    #expect(total == result.uncompressedBytes)
    #expect(
        Double(total) > Double(target) * 0.7 && Double(total) < Double(target) * 1.3,
        "\(total) bytes for a target of \(target)")
}

@Test func gzipFilesAreValidAndCarryTheirMTime() throws {
    let out = try Scratch.directory("gzip")
    defer { Scratch.remove(out) }
    _ = try ScenarioGenerator.generate(smallOptions(seed: 5, out: out))
    let root = out + "/incident"
    let gzipped = Scratch.files(under: root).filter { $0.hasSuffix(".gz") }
    #expect(gzipped.count > 50)
    // zcat -t on all of them at once.
    let zcat = Process()
    zcat.executableURL = URL(fileURLWithPath: "/bin/sh")
    zcat.arguments = ["-c", "cd '\(root)' && zcat -t " + gzipped.map { "'\($0)'" }.joined(separator: " ")]
    try zcat.run()
    zcat.waitUntilExit()
    #expect(zcat.terminationStatus == 0)
    for file in Scratch.files(under: root) {
        let raw = try Scratch.bytes(root + "/" + file)
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + file)
        let modified = try #require(attributes[.modificationDate] as? Date)
        if file.hasSuffix(".gz") {
            #expect(raw[0] == 0x1F && raw[1] == 0x8B)
            let mtime = Int(raw[4]) | Int(raw[5]) << 8 | Int(raw[6]) << 16 | Int(raw[7]) << 24
            #expect(mtime > 1_700_000_000)
            #expect(mtime == Int(modified.timeIntervalSince1970), "\(file): gzip MTIME and file mtime disagree")
        }
        #expect(modified.timeIntervalSince1970 > 1_700_000_000, "\(file) has no realistic mtime")
    }
}

@Test func rotationMembersAreInOrderAndInTheirFormats() throws {
    let out = try Scratch.directory("rotation")
    defer { Scratch.remove(out) }
    _ = try ScenarioGenerator.generate(smallOptions(seed: 77, out: out))
    let root = out + "/incident"
    for host in ["bastion", "web01", "app01", "db01"] {
        let current = try Scratch.lines(root + "/\(host)/var/log/auth.log")
        let previous = try Scratch.lines(root + "/\(host)/var/log/auth.log.1")
        let oldest = try Scratch.lines(root + "/\(host)/var/log/auth.log.2.gz")
        let currentFirstLine = try #require(current.first)
        let firstCurrent = try #require(Scratch.rfc3339(currentFirstLine.prefix(32)))
        var last: Int64 = 0
        for line in previous {
            let t = try #require(Scratch.rfc3339(line.prefix(32)))
            #expect(t >= last, "\(host) auth.log.1 out of order")
            last = t
        }
        #expect(last < firstCurrent, "\(host): auth.log.1 runs past the start of auth.log")
        let offset = host == "db01" ? "+01:00 " : "+00:00 "
        #expect(current.allSatisfy { $0.dropFirst(26).hasPrefix(offset) })
        // RFC 3164 in the gzipped member: `Mar  9 06:25:01 host ...`
        #expect(oldest.allSatisfy { $0.dropFirst(15).hasPrefix(" \(host) ") && $0.hasPrefix("Mar ") })
    }
    let access = try Scratch.lines(root + "/web01/var/log/nginx/access.log")
    let accessPrevious = try Scratch.lines(root + "/web01/var/log/nginx/access.log.1")
    #expect(!access.isEmpty && !accessPrevious.isEmpty)
}

@Test func zeekFilesHaveFullHeadersAndConsistentColumns() throws {
    let out = try Scratch.directory("zeek")
    defer { Scratch.remove(out) }
    _ = try ScenarioGenerator.generate(smallOptions(seed: 12, out: out))
    let root = out + "/incident"
    let zeek = Scratch.files(under: root).filter { $0.hasPrefix("sensor/zeek/") }
    #expect(zeek.contains { $0.contains("/conn.14:00:00-15:00:00.log.gz") })
    for file in zeek {
        let lines = try Scratch.lines(root + "/" + file)
        let kind: String = file.split(separator: "/").last?.split(separator: ".").first.map(String.init) ?? ""
        let expectedHeader: [String] = [
            "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\t" + kind,
        ]
        let header: [String] = Array(lines.prefix(5))
        #expect(header == expectedHeader)
        #expect(lines[5].hasPrefix("#open\t"))
        #expect(lines.last?.hasPrefix("#close\t") == true)
        let columns = lines[6].split(separator: "\t").count - 1
        #expect(lines[7].split(separator: "\t").count - 1 == columns)
        for line in lines.dropFirst(8).dropLast() {
            #expect(line.split(separator: "\t", omittingEmptySubsequences: false).count == columns, "\(file): \(line)")
        }
    }
}

@Test func theCommittedSampleIsWhatItsCommandGenerates() throws {
    let sample = Scratch.packageRoot() + "/SampleLogs"
    let readme = try String(contentsOfFile: sample + "/README.md", encoding: .utf8)
    #expect(readme.contains(SampleLogs.command))
    let out = try Scratch.directory("sample")
    defer { Scratch.remove(out) }
    _ = try ScenarioGenerator.generate(SampleLogs.options(outputDirectory: out))
    let fresh = out + "/" + SampleLogs.name
    let committed = sample + "/" + SampleLogs.name
    let files = Scratch.files(under: fresh)
    #expect(files == Scratch.files(under: committed))
    // The ground truth sits beside the incident, not inside it: the folder holds only evidence.
    #expect(!files.contains { $0.hasSuffix(".json") })
    #expect(
        try Scratch.bytes(fresh + ".truth.json") == Scratch.bytes(committed + ".truth.json"),
        "SampleLogs/\(SampleLogs.name).truth.json drifted from the generator; regenerate with: \(SampleLogs.command)")
    for file in files {
        // Compare the text (and the gzip MTIME), not the deflate stream: another zlib may compress differently.
        let same = try Scratch.text(fresh + "/" + file) == Scratch.text(committed + "/" + file)
        #expect(
            same,
            "SampleLogs/\(SampleLogs.name)/\(file) drifted from the generator; regenerate with: \(SampleLogs.command)")
        if file.hasSuffix(".gz") {
            #expect(try Scratch.bytes(fresh + "/" + file)[4..<8] == Scratch.bytes(committed + "/" + file)[4..<8])
        }
    }
}

@Test func benignOnlyCorpusHasNoAttackAndSaysSo() throws {
    let out = try Scratch.directory("benign")
    defer { Scratch.remove(out) }
    var options = smallOptions(seed: 42, out: out)
    options.attack = false
    let result = try ScenarioGenerator.generate(options)
    #expect(result.attackerLines == 0)
    let root = out + "/incident"
    let truth = try Scratch.groundTruth(root)
    #expect(truth["attack"] is NSNull)
    #expect((truth["compromised_hosts"] as? [String])?.isEmpty == true)
    #expect((truth["attacker_ips"] as? [String])?.isEmpty == true)
    // Same hosts and background as the incident of the same seed, none of the attacker's or the decoy's lines.
    let files = Scratch.files(under: root)
    #expect(files.count > 100)
    for file in files {
        let text = try Scratch.lines(root + "/" + file).joined(separator: "\n")
        #expect(!text.contains("203.0.113.45"), "\(file) names the attacker")
        #expect(!text.contains("192.0.2.200"), "\(file) names the decoy")
        #expect(!text.contains("sysupdate"), "\(file) names the attacker's account")
    }
}
