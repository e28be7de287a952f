/// A small seeded generator (SplitMix64), so that generated inputs, random splits and shuffles are the same on every
/// run. Tests never use the system's random numbers.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (`n` > 0), by remainder: the slight bias toward small numbers does not matter to a test.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(\(n)): the range is empty")
        return Int(next() % UInt64(n))
    }
}
