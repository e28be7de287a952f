/// The lines of packets hosts logged sending themselves, as a persistent case stores them: one packed
/// (file id, line) key each, sorted so that the case's bytes do not depend on hashing.
extension OwnTrafficLines {
    public var packedKeys: [UInt64] { keys.sorted() }
    public init(packedKeys: [UInt64]) {
        self.init()
        keys = Set(packedKeys)
    }
}
