/// A seeded, portable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every stream of randomness in a scenario is its own `ScenarioRandom`, derived from the scenario seed and
/// a few labels (`ScenarioRandom(seed, 7, hour)`), so that one part of the story never shifts another:
/// the background volume can change without moving a single attack event.
/// Never `SystemRandomNumberGenerator`: the same arguments must give the same bytes.
public struct ScenarioRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// SplitMix64's finaliser: a good 64-bit mixing function.
    @inlinable static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public init(_ seed: UInt64, _ labels: UInt64...) {
        var state = Self.mix(seed)
        for label in labels { state = Self.mix(state ^ Self.mix(label &+ 0x5851_F42D_4C95_7F2D)) }
        var next = state
        func splitmix() -> UInt64 {
            next = next &+ 0x9E37_79B9_7F4A_7C15
            return Self.mix(next &- 0x9E37_79B9_7F4A_7C15)
        }
        s0 = splitmix()
        s1 = splitmix()
        s2 = splitmix()
        s3 = splitmix()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform integer in `range` (Lemire's method, no modulo bias worth caring about here).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let product = next().multipliedFullWidth(by: span)
        return range.lowerBound + Int(product.high)
    }

    public mutating func int(_ range: Range<Int>) -> Int { int(range.lowerBound...(range.upperBound - 1)) }

    /// A uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// An exponentially distributed value with the given mean (inter-arrival times of a Poisson process).
    public mutating func exponential(mean: Double) -> Double {
        -mean * log1pNegative(unit())
    }

    /// A Poisson-distributed count (normal approximation above 60, which is all a log generator needs).
    public mutating func poisson(mean: Double) -> Int {
        if mean <= 0 { return 0 }
        if mean > 60 {
            // Box-Muller.
            let u1 = max(unit(), 1e-12)
            let u2 = unit()
            let z = (-2 * logApprox(u1)).squareRoot() * cosApprox(2 * Double.pi * u2)
            return max(0, Int((mean + z * mean.squareRoot()).rounded()))
        }
        let limit = expApprox(-mean)
        var product = unit()
        var count = 0
        while product > limit {
            product *= unit()
            count += 1
        }
        return count
    }

    public mutating func pick<T>(_ items: [T]) -> T {
        precondition(!items.isEmpty, "pick from an empty list")
        return items[int(0..<items.count)]
    }

    /// Picks with weights (the weights need not sum to one).
    public mutating func pick<T>(_ items: [(T, Double)]) -> T {
        precondition(!items.isEmpty, "pick from an empty list")
        let total = items.reduce(0) { $0 + $1.1 }
        var x = unit() * total
        for (item, weight) in items {
            if x < weight { return item }
            x -= weight
        }
        return items[items.count - 1].0
    }
}

// Foundation-free elementary functions, so that the same seed gives the same numbers on every libm.
@usableFromInline func expApprox(_ x: Double) -> Double {
    // exp(x) = 2^k * exp(r), |r| <= ln2/2, Taylor series to 1e-16.
    let k = (x / 0.693_147_180_559_945_3).rounded()
    let r = x - k * 0.693_147_180_559_945_3
    var term = 1.0
    var sum = 1.0
    for n in 1...20 {
        term *= r / Double(n)
        sum += term
    }
    return sum * pow2(Int(k))
}

@usableFromInline func pow2(_ k: Int) -> Double {
    if k < -1000 { return 0 }
    if k > 1000 { return .infinity }
    return Double(sign: .plus, exponent: k, significand: 1)
}

@usableFromInline func logApprox(_ x: Double) -> Double {
    // x = m * 2^e with m in [1, 2); ln(m) = 2 atanh((m-1)/(m+1)).
    guard x > 0 else { return -.infinity }
    let e = x.exponent
    let m = x.significand
    let y = (m - 1) / (m + 1)
    let y2 = y * y
    var term = y
    var sum = 0.0
    var n = 1.0
    while n < 60 {
        sum += term / n
        term *= y2
        n += 2
    }
    return 2 * sum + Double(e) * 0.693_147_180_559_945_3
}

/// ln(1 - u) for u in [0, 1).
@usableFromInline func log1pNegative(_ u: Double) -> Double { logApprox(1 - u) }

@usableFromInline func cosApprox(_ x: Double) -> Double {
    // Reduce to [-pi, pi], then a Taylor series.
    var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if r > Double.pi { r -= 2 * Double.pi }
    if r < -Double.pi { r += 2 * Double.pi }
    var term = 1.0
    var sum = 1.0
    let r2 = r * r
    for n in stride(from: 2, through: 40, by: 2) {
        term *= -r2 / Double((n - 1) * n)
        sum += term
    }
    return sum
}
