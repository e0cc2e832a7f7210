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
    /// The EWMA control chart's statistic (Roberts 1959): a fast EWMA of the values with
    /// weight λ = `smoothing`. Noise averages out in it, so a small sustained shift that
    /// no single point shows stands out against the slow mean; its spread is
    /// s·√(λ/(2−λ)).
    var smoothed: Double = 0

    /// The standard deviation the z-score uses: never below `floor`, so a constant
    /// series (variance 0) does not turn float noise into infinite z.
    @inline(__always)
    func stddev(floor: Double) -> Double { max(variance.squareRoot(), floor) }

    /// Scores `x` against the current statistics, then updates them. Returns z
    /// (±infinity when s is 0 and x differs from the mean; 0 for the very first value).
    /// With `smoothing` λ < 1 it returns, of the point's z and the smoothed statistic's
    /// z_λ = (f − m)/(s·`smoothingScale`), the one further from 0 in the direction
    /// `sides` watches: spikes and small sustained shifts both count.
    @inline(__always)
    mutating func observe(_ x: Double, alpha: Double, clip: Double, floor: Double, warm: Bool,
                          smoothing: Double = 1, smoothingScale: Double = 1, sides: Sidedness = .both) -> Double {
        if count == 0 {
            count = 1
            mean = x
            variance = 0
            smoothed = x
            return 0
        }
        let d = x - mean
        let s = stddev(floor: floor)
        let weight = max(alpha, 1 / Double(count + 1))
        var z = Self.ratio(d, s)
        if smoothing < 1 {
            smoothed += smoothing * (x - smoothed)
            let zSmoothed = Self.ratio(smoothed - mean, s * smoothingScale)
            if sides.directed(zSmoothed) > sides.directed(z) { z = zSmoothed }
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

    /// d / s, with a zero spread meaning "any difference is infinitely unlikely".
    @inline(__always)
    static func ratio(_ d: Double, _ s: Double) -> Double {
        if s > 0 { return d / s }
        return d == 0 ? 0 : (d > 0 ? .infinity : -.infinity)
    }
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
