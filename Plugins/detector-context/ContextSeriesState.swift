/// The state of one (series, rule) pair: the range (configured, or being learned), the
/// model once the range is known, and the incident and input bookkeeping.
struct ContextSeriesState: Sendable {
    let rule: Int32
    /// The `anomaly.score` series id, 0 when not publishing.
    let scoreSeries: UInt64
    /// Known from the start (configured) or after the warm-up (learned).
    var range: ValueRange?
    /// nil while the range is being learned.
    var model: ContextAnomalyModel?
    /// Learned-range warm-up: the values so far (replayed into the model once the range
    /// is fixed, so nothing learned is lost) and their extremes.
    var warmupValues: ContiguousArray<Double> = []
    var low = Double.infinity
    var high = -Double.infinity
    /// Finite points accepted since the last (re)start, and when the first came.
    var seen = 0
    var learningSince = Int64.min
    /// Data time of the last accepted point; `.min` before the first (or after a restart).
    var lastTimestamp = Int64.min
    var firing = false
    /// Points not learned from: non-finite values and timestamps not after the last one.
    var ignored: UInt64 = 0
    var warnedIgnored = false
    /// Values outside the learned range (clamped to its end bins).
    var clamped: UInt64 = 0
    var warnedClamped = false

    init(rule: Int32, scoreSeries: UInt64, range: ValueRange?, parameters: ContextAnomalyModel.Parameters) {
        self.rule = rule
        self.scoreSeries = scoreSeries
        self.range = range
        if range != nil { model = ContextAnomalyModel(parameters) }
    }

    /// Forgets everything learned (a configured range stays); bookkeeping of ignored
    /// input stays so warnings are not repeated.
    mutating func restart(configured: ValueRange?, parameters: ContextAnomalyModel.Parameters) {
        range = configured
        model = configured != nil ? ContextAnomalyModel(parameters) : nil
        warmupValues = []
        low = .infinity
        high = -.infinity
        seen = 0
        learningSince = Int64.min
        lastTimestamp = Int64.min
        firing = false
    }
}
