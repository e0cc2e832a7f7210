import PluginKit

/// The numbers of one rule the per-point path needs, as a trivial struct: reading it
/// from a flat array costs no reference counting (the rule's strings stay in `rules`).
struct EWMAParameters: Sendable {
    var alpha: Double
    var clip: Double
    var smoothing: Double
    /// √(λ/(2−λ)): the smoothed statistic's spread relative to the points'.
    var smoothingScale: Double
    var minStddev: Double
    var warmup: Int
    var sides: Sidedness
    var staleAfterNanoseconds: Int64
    var resetAfterNanoseconds: Int64
    var alarm: AlarmDiscipline.Parameters

    init(_ rule: EWMARule) {
        alpha = rule.alpha
        clip = rule.clip
        smoothing = rule.smoothing
        smoothingScale = (rule.smoothing / (2 - rule.smoothing)).squareRoot()
        minStddev = rule.minStddev
        warmup = rule.warmup
        sides = rule.sides
        staleAfterNanoseconds = rule.staleAfterNanoseconds
        resetAfterNanoseconds = rule.resetAfterNanoseconds
        alarm = rule.alarm
    }
}

/// The state of one (series, rule) pair.
struct EWMASeriesState: RuleSeriesState {
    var model = EWMAModel()
    var alarm = AlarmDiscipline()
    /// Data time of the last accepted point; `.min` before the first (or after a reset).
    var lastTimestamp = Int64.min
    let rule: Int32
    /// The `anomaly.score` series id, 0 when not publishing.
    let scoreSeries: UInt64
    /// Points not learned from: non-finite values and timestamps not after the last one.
    var ignored: UInt64 = 0
    var warned = false

    init(rule: Int32, scoreSeries: UInt64) {
        self.rule = rule
        self.scoreSeries = scoreSeries
    }
}

/// detector-ewma: per series, a one-step-ahead EWMA mean and variance; a point more
/// than k standard deviations from the forecast is anomalous; the alarm discipline
/// makes an incident one alert; every scored point also yields `anomaly.score` in [0, 1].
///
/// Bad input, deliberately: NaN/±Inf are ignored (not learned, not scored; logged once
/// per series); a point not newer than the series' last one is ignored the same way; an
/// open incident of a series silent for `stale_after` is resolved ("no data for …", by a
/// periodic sweep, or at its next point); a gap longer than `reset_after` also restarts
/// learning, since the old level may no longer mean anything; a constant series has s = 0, so any change from it
/// scores as infinitely unlikely (set `min_stddev` to tolerate small changes).
public struct EWMADetector: Detector {
    public static let info = PluginInfo(name: "detector-ewma", version: "0.1.0",
                                 description: "EWMA z-score anomaly detector with alarm discipline and anomaly.score")

    let host: PluginHost
    let rules: [EWMARule]
    let parameters: ContiguousArray<EWMAParameters>
    /// Which rules watch which series, and the state of each pair.
    var table: RuleSeriesTable<EWMASeriesState>
    var scores = PointWriter(capacity: 4096)
    var sweep: StalenessSweep
    var newestTimestamp = Int64.min

    static let keys: Set<String> = ["rules", "publish_score"]

    public init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        rules = try RuleHeader.rules(in: config, { table throws(PluginError) in try EWMARule(table: table) },
                                     name: { $0.header.name })
        parameters = ContiguousArray(rules.map(EWMAParameters.init))
        table = RuleSeriesTable(rules: rules.map(\.header), publishScore: try config.bool("publish_score", default: true))
        let staleAfter = rules.map(\.staleAfterNanoseconds).filter { $0 > 0 }.min() ?? 0
        sweep = StalenessSweep(interval: staleAfter / 4)
        self.host = host
    }

    public mutating func onPoints(_ batch: PointBatch) throws(PluginError) {
        for i in batch.indices {
            let point = batch[i]
            let pairs = table.states(of: point, host: host)
            guard !pairs.isEmpty else { continue }
            let value = point.value
            let t = point.timestampNanoseconds
            for s in pairs {
                observe(state: s, value: value, at: t)
            }
        }
        if sweep.isDue(now: newestTimestamp) { resolveSilentSeries() }
        if scores.count > 0 { host.publish(&scores) }
    }

    @inline(__always)
    mutating func observe(state s: Int, value x: Double, at t: Int64) {
        let p = parameters[Int(table.states[s].rule)]
        guard x.isFinite else { return table.ignore(state: s, value: x, host: host) }
        let last = table.states[s].lastTimestamp
        if last != Int64.min {
            guard t > last else { return table.ignore(state: s, value: x, host: host) }
            let gap = t &- last
            if p.resetAfterNanoseconds > 0, gap > p.resetAfterNanoseconds {
                restart(state: s, at: t, reason: "no data for \(ValueText.format(Duration.nanoseconds(gap)))")
            } else if p.staleAfterNanoseconds > 0, gap > p.staleAfterNanoseconds, table.states[s].alarm.firing {
                endIncident(state: s, at: t, silentFor: gap)
            }
        }
        table.states[s].lastTimestamp = t
        if t > newestTimestamp { newestTimestamp = t }

        let meanBefore = table.states[s].model.mean
        let varianceBefore = table.states[s].model.variance
        let floor = max(p.minStddev, abs(meanBefore) * 1e-9)
        let warm = table.states[s].model.count >= p.warmup
        let z = table.states[s].model.observe(x, alpha: p.alpha, clip: p.clip, floor: floor, warm: warm,
                                        smoothing: p.smoothing, smoothingScale: p.smoothingScale, sides: p.sides)
        let scoreSeries = table.states[s].scoreSeries
        guard warm else {
            if scoreSeries != 0 { scores.append(series: scoreSeries, value: 0, timestampNanoseconds: t) }
            return
        }
        let directed = p.sides.directed(z)
        let score = anomalyScore(directedZ: directed, k: p.alarm.k)
        if scoreSeries != 0 { scores.append(series: scoreSeries, value: score, timestampNanoseconds: t) }
        switch table.states[s].alarm.step(directedZ: directed, at: t, p.alarm) {
        case .none: break
        case .fire:
            fire(state: s, value: x, z: z, score: score, mean: meanBefore,
                 stddev: max(varianceBefore.squareRoot(), floor), at: t)
        case .resolve:
            resolve(state: s, value: x, at: t,
                    summary: "\(ValueText.format(x)) back within \(ValueText.format(p.alarm.clearK))σ of EWMA "
                        + "\(ValueText.format(meanBefore))±\(ValueText.format(max(varianceBefore.squareRoot(), floor)))")
        }
    }

    /// Restarts learning for a state (after a gap), resolving an open incident first.
    mutating func restart(state s: Int, at t: Int64, reason: String) {
        if table.states[s].alarm.firing {
            resolve(state: s, value: .nan, at: t, summary: reason)
        }
        table.states[s].model.reset()
        table.states[s].alarm.reset()
        table.states[s].lastTimestamp = Int64.min
    }

    /// Resolves the open incident of a series that went silent; its statistics stay
    /// (a gap beyond `reset_after` discards them at the next point).
    mutating func endIncident(state s: Int, at t: Int64, silentFor gap: Int64) {
        resolve(state: s, value: .nan, at: t, summary: "no data for \(ValueText.format(Duration.nanoseconds(gap)))")
        table.states[s].alarm.endIncident()
    }

    /// Series that stopped reporting while an incident was open: resolve it.
    mutating func resolveSilentSeries() {
        for s in table.states.indices where table.states[s].alarm.firing {
            let last = table.states[s].lastTimestamp
            let limit = parameters[Int(table.states[s].rule)].staleAfterNanoseconds
            guard last != Int64.min, limit > 0, newestTimestamp &- last > limit else { continue }
            endIncident(state: s, at: newestTimestamp, silentFor: newestTimestamp &- last)
        }
    }

    func fire(state s: Int, value: Double, z: Double, score: Double, mean: Double, stddev: Double, at t: Int64) {
        let detail = "\(ValueText.format(value)): z=\(ValueText.format(z, significant: 2)) "
            + "vs EWMA \(ValueText.format(mean))±\(ValueText.format(stddev))"
        host.raise(table.alert(state: s, detail: detail, value: value, score: score, at: t))
    }

    func resolve(state s: Int, value: Double, at t: Int64, summary: String) {
        host.resolve(table.alert(state: s, detail: summary, value: value, score: .nan, at: t))
    }
}
