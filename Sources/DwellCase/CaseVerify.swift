import Crypto
import DwellCore
import DwellIngest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `dwell case verify` found: each recorded evidence file hashed again, and the files now under the case's
/// inputs that it does not record.
public struct CaseVerification: Sendable {
    public enum State: Sendable, Equatable {
        /// Same SHA-256 as recorded.
        case unchanged
        /// The recorded bytes are still the file's start, and `bytes` more follow (a log that was appended to).
        case grown(bytes: UInt64)
        /// Different content.
        case changed(sha256: String, sizeBytes: UInt64)
        /// Not at its path any more; `renamedTo` is where a file with its SHA-256 now is (rotation), if anywhere.
        case missing(reason: String, renamedTo: String?)
        /// Read from stdin when the case was built: nothing to hash again.
        case standardInput
    }

    public struct Entry: Sendable {
        public var file: EvidenceFile
        public var recordedSHA256: String
        public var recordedBytes: UInt64
        public var state: State
    }

    public struct NewFile: Sendable {
        public var file: EvidenceFile
        public var sha256: String
        /// The recorded file with the same content, when this is one renamed (rotated: auth.log → auth.log.1).
        public var sameAs: String?
    }

    public var entries: [Entry] = []
    public var newFiles: [NewFile] = []

    /// Whether the evidence is as recorded (nothing changed, missing or new).
    public var isIntact: Bool {
        entries.allSatisfy { $0.state == .unchanged || $0.state == .standardInput } && newFiles.isEmpty
    }
}

extension Case {
    /// Hashes every recorded evidence file again and looks for new files under the case's inputs.
    /// - Complexity: reads every evidence file once.
    public func verify() -> CaseVerification {
        var v = CaseVerification()
        var statsByID: [UInt32: FileStats] = [:]
        for s in stats { statsByID[s.file.id] = s }
        var recordedPaths = Set<String>()
        var recordedByHash: [String: String] = [:]
        for e in evidence {
            recordedPaths.insert(e.path)
            let s = statsByID[e.id]
            let sha = s?.sha256 ?? ""
            let size = s?.rawBytes ?? 0
            if !sha.isEmpty { recordedByHash[sha] = e.displayPath }
            if e.isStdin {
                v.entries.append(.init(file: e, recordedSHA256: sha, recordedBytes: size, state: .standardInput))
                continue
            }
            let state: CaseVerification.State
            switch Self.hash(path: e.path, prefixBytes: size) {
            case .failure(let why): state = .missing(reason: why.description, renamedTo: nil)
            case .success(let h):
                if h.sha256 == sha {
                    state = .unchanged
                } else if h.size > size, h.prefixSHA256 == sha {
                    state = .grown(bytes: h.size - size)
                } else {
                    state = .changed(sha256: h.sha256, sizeBytes: h.size)
                }
            }
            v.entries.append(.init(file: e, recordedSHA256: sha, recordedBytes: size, state: state))
        }
        // Files under the inputs now that the case does not record (paths resolved as when it was built).
        let now = Discovery().discover(inputs.filter { $0 != "-" })
        var newByHash: [String: String] = [:]
        for f in now.files where !recordedPaths.contains(f.path) {
            guard case .success(let h) = Self.hash(path: f.path, prefixBytes: 0) else { continue }
            v.newFiles.append(.init(file: f, sha256: h.sha256, sameAs: recordedByHash[h.sha256]))
            newByHash[h.sha256] = f.displayPath
        }
        for i in v.entries.indices {
            if case .missing(let why, _) = v.entries[i].state {
                v.entries[i].state = .missing(reason: why, renamedTo: newByHash[v.entries[i].recordedSHA256])
            }
        }
        return v
    }

    /// The SHA-256 of a file's bytes, its size, and the SHA-256 of its first `prefixBytes` bytes.
    static func hash(path: String, prefixBytes: UInt64) -> Result<
        (sha256: String, size: UInt64, prefixSHA256: String), CaseError
    > {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(CaseError(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var whole = SHA256()
        var prefix: String?
        var size: UInt64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(CaseError("read error: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { break }
            var chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            // Split the chunk where the recorded size ends, to take the prefix's hash there.
            if prefix == nil, prefixBytes >= size, prefixBytes < size + UInt64(n) {
                let k = Int(prefixBytes - size)
                whole.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[0..<k]))
                prefix = hex(whole)
                chunk = UnsafeRawBufferPointer(rebasing: chunk[k...])
            }
            whole.update(bufferPointer: chunk)
            size += UInt64(n)
        }
        if prefix == nil && prefixBytes == size { prefix = hex(whole) }
        return .success((hex(whole), size, prefix ?? ""))
    }

    static func hex(_ h: SHA256) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in h.finalize() {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
