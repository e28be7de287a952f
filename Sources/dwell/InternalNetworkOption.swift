import ArgumentParser
import DwellAnalysis
import DwellCore

/// `--internal CIDR,...`: the organisation's networks, for the network rules' inside versus outside.
struct InternalNetworkOption: ParsableArguments {
    @Option(
        name: .customLong("internal"),
        help: ArgumentHelp(
            "The organisation's networks, comma-separated CIDRs or addresses (10.0.0.0/16,192.168.5.0/24). Without it, the sensor's local_orig/local_resp flags decide, else the networks of its DNS/Kerberos/LDAP servers (a caveat says so).",
            valueName: "CIDR,..."))
    var text: [String] = []

    func validate() throws { _ = try networks() }

    /// The networks given, parsed once per call site (all `--internal` options joined).
    func networks() throws -> [IPNetwork] {
        switch InternalNetworks.parseList(text.joined(separator: ",")) {
        case .success(let list): return list
        case .failure(let e): throw ValidationError("--internal: \(e.description)")
        }
    }
}
