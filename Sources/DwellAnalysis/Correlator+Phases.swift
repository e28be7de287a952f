import DwellCore
import DwellIndex

/// The attack phase of an event in the timeline (ATT&CK tactics, by the event's kind).
extension Correlator {
    func phase(_ i: Int, webshell: Set<Int>) -> Phase {
        switch store.kind[i] {
        case .webRequest, .http:
            if webshell.contains(i) { return store.query[i] != 0 ? .execution : .initialAccess }
            return store.httpStatus[i] == 404 ? .reconnaissance : .activity
        case .authSuccess, .sessionOpen, .sessionClose, .connect, .disconnect:
            return .lateralMovement
        case .authFailure, .invalidUser: return .credentialAccess
        case .privilege: return .privilegeEscalation
        case .accountCreate, .accountModify, .passwordChange: return .persistence
        case .flow, .sshSession, .tls:
            return store.bytesOut[i] >= 1_000_000 ? .exfiltration : .commandAndControl
        case .command: return .execution
        default: return .activity
        }
    }
}
