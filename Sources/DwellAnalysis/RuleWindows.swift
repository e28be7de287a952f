import DwellCore

/// The windows of the counting rules (`auth.bruteforce` with its burst, `auth.spraying`, `auth.user_enumeration`,
/// `auth.success_after_failures` with its long window), in one place for both engines: the detectors over events
/// (`Detectors`, each failure at one instant) and partial mode over merged summaries (`PartialsInvestigation`, a
/// source's failures per account per minute). An engine says how long a run of its records can span and what they
/// weigh; which window a rule reads, when it is full and what the explanation says of it are decided here, so a rule
/// changed here changes both reports.
enum RuleWindows {
    /// The first run `lo...hi` of records `0..<count` (in time order) that spans at most `windowMicros` and
    /// weighs at least `threshold`, with its weight.
    /// - Parameters:
    ///   - prefix: `prefix[k]` is the weight of records `..<k` (`count + 1` entries).
    ///   - span: the longest time records `lo...hi` can cover: non-increasing in `lo`, non-decreasing in `hi`.
    /// - Complexity: O(*count*) calls of `span`.
    static func firstWeighted(
        count: Int, prefix: [Int64], windowMicros: Int64, threshold: Int64, span: (_ lo: Int, _ hi: Int) -> Int64
    ) -> (lo: Int, hi: Int, weight: Int64)? {
        guard threshold > 0, prefix.count > count else { return nil }
        var lo = 0
        for hi in 0..<count {
            while lo <= hi && span(lo, hi) > windowMicros { lo += 1 }
            // A record longer than the window on its own starts no window.
            guard lo <= hi else { continue }
            let weight = prefix[hi + 1] - prefix[lo]
            if weight >= threshold { return (lo, hi, weight) }
        }
        return nil
    }

    /// The first run `lo...hi` of records `0..<count` (in time order) that spans at most `windowMicros` and holds
    /// at least `threshold` distinct keys, with their number. `span` as in `firstWeighted`.
    /// - Complexity: O(*count*) hash operations (each record enters and leaves the window once).
    static func firstDistinct(
        count: Int, windowMicros: Int64, threshold: Int64, key: (Int) -> UInt64, span: (_ lo: Int, _ hi: Int) -> Int64
    ) -> (lo: Int, hi: Int, distinct: Int)? {
        guard threshold > 0 else { return nil }
        var counts: [UInt64: Int] = [:]
        var lo = 0
        for hi in 0..<count {
            counts[key(hi), default: 0] += 1
            while lo <= hi && span(lo, hi) > windowMicros {
                let k = key(lo)
                if let c = counts[k] { counts[k] = c > 1 ? c - 1 : nil }
                lo += 1
            }
            if counts.count >= threshold { return (lo, hi, counts.count) }
        }
        return nil
    }

    /// `auth.bruteforce`: the rule's window and threshold, else its burst (`burst_failures` within
    /// `burst_seconds`). `first(windowMicros, threshold)` is the engine's first full window (`firstWeighted`).
    /// Returns the window and the words that say which one filled (`RuleText.bruteForceWhy`'s `within`).
    static func bruteForce<Window>(
        _ r: Rule, first: (_ windowMicros: Int64, _ threshold: Int64) -> Window?
    ) -> (window: Window, within: String)? {
        if let w = first(r.windowMicros, r.threshold) { return (w, RuleText.bruteForceWithin(r)) }
        let burst = r.parameter("burst_failures")
        let burstSeconds = r.parameter("burst_seconds")
        guard let w = first(burstSeconds.saturatingTimes(1_000_000), burst) else { return nil }
        return (w, "\(RuleSet.durationText(burstSeconds)) (burst_failures \(burst))")
    }

    /// `auth.success_after_failures`: the failures in the rule's window before a login when they reach its
    /// threshold, else those in its long window (`long_window_failures` within `long_window_seconds`: a guesser that
    /// came back once it had the password). `failures(windowMicros)` is the engine's count of the source's failures
    /// in that window before the login (`nil`: none), with what it cites of them. Returns the counted failures, the
    /// window's words and the threshold it reached (`RuleText.successAfterFailuresWhy`'s `span` and `needed`).
    static func successAfterFailures<Counted>(
        _ r: Rule, failures: (_ windowMicros: Int64) -> (weight: Int64, counted: Counted)?
    ) -> (weight: Int64, counted: Counted, span: String, needed: Int64)? {
        if let c = failures(r.windowMicros), c.weight >= r.threshold { return (c.weight, c.counted, r.windowText, r.threshold) }
        let longSeconds = r.parameter("long_window_seconds")
        let needed = r.parameter("long_window_failures")
        guard let c = failures(longSeconds.saturatingTimes(1_000_000)), c.weight >= needed else { return nil }
        return (c.weight, c.counted, RuleSet.durationText(longSeconds), needed)
    }
}
