import PluginKit

/// detector-threshold: static levels on values or on their rate of change, per series,
/// with `for` (the condition must hold that long), hysteresis (`clear`) and fire-at-load.
/// Optionally publishes `anomaly.score` (`publish_score = true`): 0 inside the clear
/// level, 1 beyond the firing level, linear between.
///
/// Bad input, deliberately: NaN/±Inf are ignored (logged once per series) — they are
/// not measurements, and comparing them would fire or clear an alert by accident; a
/// point not newer than the series' last one is ignored the same way; a gap longer than
/// `reset_after` forgets the series (a pending `for` restarts, a rate has no previous
/// point, an open alert is resolved as "no data"); a series silent for `reset_after` is
/// resolved by a periodic sweep.
public struct ThresholdDetector: Detector {
    public static let info = PluginInfo(name: "detector-threshold", version: "0.1.0",
                                 description: "Static thresholds and rate-of-change rules with for, hysteresis and fire-at-load")

    let host: PluginHost
    let rules: [ThresholdRule]
    let parameters: ContiguousArray<ThresholdParameters>
    /// Which rules watch which series, and the state of each pair.
    var table: RuleSeriesTable<ThresholdState>
    var scores = PointWriter(capacity: 4096)
    var sweep: StalenessSweep
    var newestTimestamp = Int64.min

    static let keys: Set<String> = ["rules", "publish_score"]

    public init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        rules = try RuleHeader.rules(in: config, { table throws(PluginError) in try ThresholdRule(table: table) },
                                     name: { $0.header.name })
        parameters = ContiguousArray(rules.map(\.parameters))
        table = RuleSeriesTable(rules: rules.map(\.header), publishScore: try config.bool("publish_score", default: false))
        let resetAfter = rules.map(\.resetAfterNanoseconds).filter { $0 > 0 }.min() ?? 0
        sweep = StalenessSweep(interval: resetAfter / 4)
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
            if p.resetAfterNanoseconds > 0, t &- last > p.resetAfterNanoseconds {
                forget(state: s, at: t, reason: "no data for \(ValueText.format(Duration.nanoseconds(t &- last)))")
            }
        }
        let previousValue = table.states[s].lastValue
        let previousTimestamp = table.states[s].lastTimestamp
        table.states[s].lastTimestamp = t
        table.states[s].lastValue = x
        if t > newestTimestamp { newestTimestamp = t }

        let observed: Double
        if p.ratePer > 0 {
            // A rate needs two points; the first one only sets the baseline.
            guard previousTimestamp != Int64.min else { return }
            observed = (x - previousValue) * Double(p.ratePer) / Double(t &- previousTimestamp)
        } else {
            observed = x
        }
        let scoreSeries = table.states[s].scoreSeries
        if scoreSeries != 0 { scores.append(series: scoreSeries, value: p.score(observed), timestampNanoseconds: t) }
        switch table.states[s].evaluate(observed, at: t, p) {
        case .none: break
        case let .fire(atLoad): fire(state: s, observed: observed, value: x, atLoad: atLoad, at: t)
        case .resolve: resolve(state: s, value: x, at: t, summary: resolvedText(state: s, observed: observed))
        }
    }

    mutating func forget(state s: Int, at t: Int64, reason: String) {
        if table.states[s].firing { resolve(state: s, value: .nan, at: t, summary: reason) }
        table.states[s].forget()
    }

    mutating func resolveSilentSeries() {
        for s in table.states.indices {
            let last = table.states[s].lastTimestamp
            let limit = parameters[Int(table.states[s].rule)].resetAfterNanoseconds
            guard last != Int64.min, limit > 0, newestTimestamp &- last > limit else { continue }
            forget(state: s, at: newestTimestamp,
                   reason: "no data for \(ValueText.format(Duration.nanoseconds(newestTimestamp &- last)))")
        }
    }

    func observedText(_ rule: ThresholdRule, _ observed: Double) -> String {
        switch rule.source {
        case .value: return ValueText.format(observed)
        case let .rate(per): return "rate \(ValueText.format(observed))/\(ValueText.format(Duration.nanoseconds(per)))"
        }
    }

    func fire(state s: Int, observed: Double, value: Double, atLoad: Bool, at t: Int64) {
        let rule = rules[Int(table.states[s].rule)]
        let op = rule.direction == .above ? ">" : "<"
        var detail = "\(observedText(rule, observed)) \(op) \(ValueText.format(rule.level))"
        if atLoad {
            detail += " (already at first evaluation; 'for \(ValueText.format(Duration.nanoseconds(rule.forNanoseconds)))' not awaited)"
        } else if rule.forNanoseconds > 0 {
            detail += " for \(ValueText.format(Duration.nanoseconds(rule.forNanoseconds)))"
        }
        host.raise(table.alert(state: s, detail: detail, value: value,
                               score: parameters[Int(table.states[s].rule)].score(observed), at: t))
    }

    func resolvedText(state s: Int, observed: Double) -> String {
        let rule = rules[Int(table.states[s].rule)]
        let op = rule.direction == .above ? "<" : ">"
        return "\(observedText(rule, observed)) \(op) \(ValueText.format(rule.clear)) (clear level)"
    }

    func resolve(state s: Int, value: Double, at t: Int64, summary: String) {
        host.resolve(table.alert(state: s, detail: summary, value: value, score: .nan, at: t))
    }
}
