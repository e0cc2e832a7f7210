/// One-step-ahead EWMA mean and variance of one series.
///
/// Each value is first judged against the statistics of the values before it
/// (z = (x − m) / s), then folded in:
///
///     d = x − m;  m ← m + α·d;  v ← (1 − α)·(v + α·d²)
///
/// (the exponentially weighted variance of Finch 2009, "Incremental calculation of
/// weighted mean and variance", eq. 143). With `clip` > 0 the update uses d clamped to
/// ±clip·s once warm, so a single spike cannot inflate the variance and hide the next
/// incident, while a level shift still moves the mean and widens the variance within a
/// few points (each clipped step grows v by (1 − α)(1 + α·clip²)).
///
/// Until 1/α values have been seen the weight is 1/(n+1) instead of α, which makes m and
/// v the exact running mean and (population) variance of the values so far: a plain
/// EWMA started at v = 0 underestimates the variance for about 1/α points and would
/// raise false alarms right after a short warm-up when α is small.
struct EWMAModel: Sendable {
    /// Finite values folded in since the last reset.
    var count: Int = 0
    var mean: Double = 0
    var variance: Double = 0

    /// The standard deviation the z-score uses: never below `floor`, so a constant
    /// series (variance 0) does not turn float noise into infinite z.
    @inline(__always)
    func stddev(floor: Double) -> Double { max(variance.squareRoot(), floor) }

    /// Scores `x` against the current statistics, then updates them. Returns z
    /// (±infinity when s is 0 and x differs from the mean; 0 for the very first value).
    @inline(__always)
    mutating func observe(_ x: Double, alpha: Double, clip: Double, floor: Double, warm: Bool) -> Double {
        if count == 0 {
            count = 1
            mean = x
            variance = 0
            return 0
        }
        let d = x - mean
        let s = stddev(floor: floor)
        let weight = max(alpha, 1 / Double(count + 1))
        let z: Double
        if s > 0 {
            z = d / s
        } else {
            z = d == 0 ? 0 : (d > 0 ? .infinity : -.infinity)
        }
        var step = d
        if clip > 0, warm, s > 0 {
            let limit = clip * s
            step = min(max(d, -limit), limit)
        }
        mean += weight * step
        variance = (1 - weight) * (variance + weight * step * step)
        count += 1
        return z
    }

    mutating func reset() { self = EWMAModel() }
}

/// Which deviations count.
enum Sidedness: Sendable, Equatable {
    case both, upper, lower

    /// The deviation in the watched direction (negative = the harmless side).
    @inline(__always)
    func directed(_ z: Double) -> Double {
        switch self {
        case .both: return abs(z)
        case .upper: return z
        case .lower: return -z
        }
    }
}

/// The continuous anomaly score of a directed z, in [0, 1]: S / (S + S_k) with
/// S = z²/2, the Gaussian surprise −ln P(|Z| > z) to leading order, and S_k the same at
/// the alert level k. So 0.5 means "exactly at the alert level", scores rise smoothly
/// and keep ordering far out in the tail (a plain tail probability is 1.0 in double
/// precision beyond 8σ), at the cost of a multiply and a divide.
@inline(__always)
func anomalyScore(directedZ z: Double, k: Double) -> Double {
    guard z > 0 else { return 0 }
    guard z.isFinite else { return 1 }
    let z2 = z * z
    return z2 / (z2 + k * k)
}
