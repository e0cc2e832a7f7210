/// Exponential backoff with "equal jitter": the n-th consecutive failure waits a random
/// time in [d/2, d] where d = min(max, min · 2ⁿ), so agents that lost the central one
/// together do not come back in lockstep.
struct Backoff {
    let minimum: Int64
    let maximum: Int64
    private(set) var failures = 0
    private var random = SystemRandomNumberGenerator()

    init(minimum: Duration, maximum: Duration) {
        self.minimum = max(1, minimum.nanoseconds)
        self.maximum = max(self.minimum, maximum.nanoseconds)
    }

    /// The delay after one more failure (ns).
    mutating func next() -> Int64 {
        let shift = min(failures, 40)
        failures += 1
        let (scaled, overflow) = minimum.multipliedReportingOverflow(by: Int64(1) << shift)
        let d = overflow ? maximum : min(maximum, scaled)
        return d / 2 + Int64.random(in: 0...(d - d / 2), using: &random)
    }

    mutating func reset() { failures = 0 }
}
