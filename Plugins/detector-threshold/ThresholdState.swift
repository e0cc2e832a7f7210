import PluginKit

/// What a threshold rule remembers about one series: the last point (for rates and
/// gaps), when the condition started holding (for `for`), whether it is firing.
struct ThresholdState: RuleSeriesState {
    enum Transition: Sendable, Equatable { case none, fire(atLoad: Bool), resolve }

    let rule: Int32
    let scoreSeries: UInt64
    var lastTimestamp = Int64.min
    var lastValue = Double.nan
    /// Data time the condition started holding; `.min` when it does not hold.
    var pendingSince = Int64.min
    var firing = false
    /// False until the rule has evaluated this series once (fire-at-load).
    var evaluated = false
    var ignored: UInt64 = 0
    var warned = false

    init(rule: Int32, scoreSeries: UInt64) {
        self.rule = rule
        self.scoreSeries = scoreSeries
    }

    /// Feeds one observed quantity (the value, or the rate) at data time `t`.
    @inline(__always)
    mutating func evaluate(_ x: Double, at t: Int64, _ p: ThresholdParameters) -> Transition {
        let first = !evaluated
        evaluated = true
        if firing {
            guard p.clears(x) else { return .none }
            firing = false
            pendingSince = Int64.min
            return .resolve
        }
        guard p.breaches(x) else {
            pendingSince = Int64.min
            return .none
        }
        if pendingSince == Int64.min { pendingSince = t }
        guard first || t &- pendingSince >= p.forNanoseconds else { return .none }
        firing = true
        return .fire(atLoad: first && p.forNanoseconds > 0)
    }

    /// Forget the series' history (after a gap or when it went silent); the next point
    /// starts afresh, and counts as a first evaluation again.
    mutating func forget() {
        lastTimestamp = Int64.min
        lastValue = .nan
        pendingSince = Int64.min
        firing = false
        evaluated = false
    }
}
