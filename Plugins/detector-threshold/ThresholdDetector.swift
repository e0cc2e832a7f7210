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
    let publishScore: Bool
    var slots = SeriesSlots()
    var states: ContiguousArray<ThresholdState> = []
    var identities: [SeriesIdentity] = []
    var scores = PointWriter(capacity: 4096)
    var sweep: StalenessSweep
    var newestTimestamp = Int64.min

    static let keys: Set<String> = ["rules", "publish_score"]

    public init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        rules = try RuleHeader.rules(in: config, { table throws(PluginError) in try ThresholdRule(table: table) },
                                     name: { $0.header.name })
        parameters = ContiguousArray(rules.map(\.parameters))
        publishScore = try config.bool("publish_score", default: false)
        let resetAfter = rules.map(\.resetAfterNanoseconds).filter { $0 > 0 }.min() ?? 0
        sweep = StalenessSweep(interval: resetAfter / 4)
        self.host = host
    }

    public mutating func onPoints(_ batch: PointBatch) throws(PluginError) {
        for i in batch.indices {
            let point = batch[i]
            var range = slots.lookup(point.series)
            if range.count < 0 { range = admit(point) }
            guard range.count > 0 else { continue }
            let value = point.value
            let t = point.timestampNanoseconds
            for s in Int(range.first)..<Int(range.first + range.count) {
                observe(state: s, value: value, at: t)
            }
        }
        if sweep.isDue(now: newestTimestamp) { resolveSilentSeries() }
        if scores.count > 0 { host.publish(&scores) }
    }

    @inline(__always)
    mutating func observe(state s: Int, value x: Double, at t: Int64) {
        let p = parameters[Int(states[s].rule)]
        guard x.isFinite else { return ignore(state: s, value: x) }
        let last = states[s].lastTimestamp
        if last != Int64.min {
            guard t > last else { return ignore(state: s, value: x) }
            if p.resetAfterNanoseconds > 0, t &- last > p.resetAfterNanoseconds {
                forget(state: s, at: t, reason: "no data for \(ValueText.format(Duration.nanoseconds(t &- last)))")
            }
        }
        let previousValue = states[s].lastValue
        let previousTimestamp = states[s].lastTimestamp
        states[s].lastTimestamp = t
        states[s].lastValue = x
        if t > newestTimestamp { newestTimestamp = t }

        let observed: Double
        if p.ratePer > 0 {
            // A rate needs two points; the first one only sets the baseline.
            guard previousTimestamp != Int64.min else { return }
            observed = (x - previousValue) * Double(p.ratePer) / Double(t &- previousTimestamp)
        } else {
            observed = x
        }
        let scoreSeries = states[s].scoreSeries
        if scoreSeries != 0 { scores.append(series: scoreSeries, value: p.score(observed), timestampNanoseconds: t) }
        switch states[s].evaluate(observed, at: t, p) {
        case .none: break
        case let .fire(atLoad): fire(state: s, observed: observed, value: x, atLoad: atLoad, at: t)
        case .resolve: resolve(state: s, value: x, at: t, summary: resolvedText(state: s, observed: observed))
        }
    }

    mutating func admit(_ point: PointView) -> SlotRange {
        let identity = SeriesIdentity(point)
        let first = Int32(clamping: states.count)
        for (index, rule) in rules.enumerated() where rule.header.selector.matches(name: identity.metric, labels: identity.labels) {
            let scoreSeries = publishScore ? identity.registerScoreSeries(rule: rule.header.name, host: host) ?? 0 : 0
            states.append(ThresholdState(rule: Int32(index), scoreSeries: scoreSeries))
            identities.append(identity)
        }
        let range = SlotRange(first: first, count: Int32(clamping: states.count) - first)
        slots.assign(point.series, range)
        return range
    }

    mutating func ignore(state s: Int, value: Double) {
        states[s].ignored &+= 1
        guard !states[s].warned else { return }
        states[s].warned = true
        let identity = identities[s]
        let why = value.isFinite ? "a timestamp not after its previous point" : "the non-finite value \(ValueText.format(value))"
        host.log(.warning, "\(identity.displayName): ignoring \(why) (further ignored points of this series are counted, not logged)",
                 [("NAZAR_EVENT", "detector_input_ignored"), ("metric", identity.metric),
                  ("rule", rules[Int(states[s].rule)].header.name)])
    }

    mutating func forget(state s: Int, at t: Int64, reason: String) {
        if states[s].firing { resolve(state: s, value: .nan, at: t, summary: reason) }
        states[s].forget()
    }

    mutating func resolveSilentSeries() {
        for s in states.indices {
            let last = states[s].lastTimestamp
            let limit = parameters[Int(states[s].rule)].resetAfterNanoseconds
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
        let rule = rules[Int(states[s].rule)]
        let identity = identities[s]
        let op = rule.direction == .above ? ">" : "<"
        var summary = "\(identity.displayName) \(observedText(rule, observed)) \(op) \(ValueText.format(rule.level))"
        if atLoad {
            summary += " (already at first evaluation; 'for \(ValueText.format(Duration.nanoseconds(rule.forNanoseconds)))' not awaited)"
        } else if rule.forNanoseconds > 0 {
            summary += " for \(ValueText.format(Duration.nanoseconds(rule.forNanoseconds)))"
        }
        host.raise(AlertSpec(rule: rule.header.name, severity: rule.header.severity,
                             labels: identity.alertLabels(rule: rule.header.name), summary: summary,
                             value: value, score: parameters[Int(states[s].rule)].score(observed), timestampNanoseconds: t))
    }

    func resolvedText(state s: Int, observed: Double) -> String {
        let rule = rules[Int(states[s].rule)]
        let op = rule.direction == .above ? "<" : ">"
        return "\(observedText(rule, observed)) \(op) \(ValueText.format(rule.clear)) (clear level)"
    }

    func resolve(state s: Int, value: Double, at t: Int64, summary: String) {
        let rule = rules[Int(states[s].rule)].header
        let identity = identities[s]
        host.resolve(AlertSpec(rule: rule.name, severity: rule.severity, labels: identity.alertLabels(rule: rule.name),
                               summary: "\(identity.displayName) \(summary)", value: value, score: .nan,
                               timestampNanoseconds: t))
    }
}
