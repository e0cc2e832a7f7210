import PluginKit

/// The numbers of one rule the per-point path needs, as a trivial struct (no reference
/// counting when read from a flat array; the rule's strings stay in `rules`).
struct ContextParameters: Sendable {
    var threshold: Double
    var warmup: Int
    var range: ValueRange?
    var rangeMargin: Double
    var model: ContextAnomalyModel.Parameters
    var maxContexts: Int
    var staleAfterNanoseconds: Int64
    var resetAfterNanoseconds: Int64

    init(_ rule: ContextRule) {
        threshold = rule.threshold
        warmup = rule.warmup
        range = rule.range.map { ValueRange(min: $0.min, max: $0.max, bits: rule.model.bits) }
        rangeMargin = rule.rangeMargin
        model = rule.model
        maxContexts = rule.maxContexts
        staleAfterNanoseconds = rule.staleAfterNanoseconds
        resetAfterNanoseconds = rule.resetAfterNanoseconds
    }
}

/// detector-context: CAD OSE per series. Each value is binned over the series' range; the
/// model learns which patterns of recent values lead to which next values, and scores a
/// value by how little of it was predicted and how new its context is. A score at or
/// above `threshold` raises one alert; the reference's rest period (no score for `rest`
/// points after a high one) keeps an incident from becoming a storm. Every scored point
/// also yields `anomaly.score` in [0, 1].
///
/// Bad input, deliberately: NaN/±Inf and timestamps not after the series' last are
/// ignored (not learned, not scored; one warning per series, the rest counted); values
/// outside a learned range are clamped to its end bins (one notice per series); an open
/// incident of a series silent for `stale_after` is resolved; a gap longer than
/// `reset_after` restarts learning, and a periodic sweep frees the memory of series
/// silent that long; a series whose context memory reaches `max_contexts` restarts
/// learning; a constant warm-up gets a range centred on its value.
public struct ContextDetector: Detector {
    public static let info = PluginInfo(name: "detector-context", version: "0.1.0",
                                        description: "Contextual anomaly detector (CAD OSE): unfamiliar patterns of recent values, with anomaly.score")

    let host: PluginHost
    let rules: [ContextRule]
    let parameters: ContiguousArray<ContextParameters>
    let publishScore: Bool
    var slots = SeriesSlots()
    var states: ContiguousArray<ContextSeriesState> = []
    /// Names and labels, indexed like `states`; read only when alerting or logging.
    var identities: [SeriesIdentity] = []
    var scores = PointWriter(capacity: 4096)
    var sweep: StalenessSweep
    var newestTimestamp = Int64.min

    static let keys: Set<String> = ["rules", "publish_score"]

    public init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        rules = try RuleHeader.rules(in: config, { table throws(PluginError) in try ContextRule(table: table) },
                                     name: { $0.header.name })
        parameters = ContiguousArray(rules.map(ContextParameters.init))
        publishScore = try config.bool("publish_score", default: true)
        let limits = rules.flatMap { [$0.staleAfterNanoseconds, $0.resetAfterNanoseconds] }.filter { $0 > 0 }
        sweep = StalenessSweep(interval: (limits.min() ?? 0) / 4)
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
        if sweep.isDue(now: newestTimestamp) { sweepSilentSeries() }
        if scores.count > 0 { host.publish(&scores) }
    }

    mutating func observe(state s: Int, value x: Double, at t: Int64) {
        let p = parameters[Int(states[s].rule)]
        guard x.isFinite else { return ignore(state: s, value: x) }
        let last = states[s].lastTimestamp
        if last != Int64.min {
            guard t > last else { return ignore(state: s, value: x) }
            let gap = t &- last
            if p.resetAfterNanoseconds > 0, gap > p.resetAfterNanoseconds {
                restart(state: s, at: t, reason: "no data for \(Self.format(nanoseconds: gap)): learning again")
            } else if p.staleAfterNanoseconds > 0, gap > p.staleAfterNanoseconds, states[s].firing {
                resolve(state: s, value: .nan, at: t, summary: "no data for \(Self.format(nanoseconds: gap))")
            }
        }
        states[s].lastTimestamp = t
        if t > newestTimestamp { newestTimestamp = t }
        if states[s].learningSince == Int64.min { states[s].learningSince = t }
        states[s].seen += 1

        guard let range = states[s].range else { return learnRange(state: s, value: x, at: t, p) }
        if range.isOutside(x) { noteClamped(state: s, value: x, range: range) }
        // The model is present whenever the range is (see ContextSeriesState).
        guard let step = states[s].model?.step(bin: range.bin(x)) else { return }
        let scoreSeries = states[s].scoreSeries
        guard states[s].seen > p.warmup else {
            if scoreSeries != 0 { scores.append(series: scoreSeries, value: 0, timestampNanoseconds: t) }
            return
        }
        if scoreSeries != 0 { scores.append(series: scoreSeries, value: step.score, timestampNanoseconds: t) }
        if states[s].firing {
            if !step.resting, step.score < p.threshold {
                resolve(state: s, value: x, at: t, summary: "back to learned patterns (score \(ValueText.format(step.score, significant: 2)) < \(ValueText.format(p.threshold)))")
            }
        } else if step.score >= p.threshold {
            fire(state: s, value: x, step: step, range: range, at: t, p)
        }
        if let contexts = states[s].model?.memory.count, contexts >= p.maxContexts {
            restart(state: s, at: t, reason: "learned \(contexts) contexts (max_contexts): learning again")
        }
    }

    /// Learned-range warm-up: keep the value; at the end fix the range and feed every
    /// kept value to a new model, so the first scored point is judged on all of them.
    mutating func learnRange(state s: Int, value x: Double, at t: Int64, _ p: ContextParameters) {
        states[s].warmupValues.append(x)
        states[s].low = min(states[s].low, x)
        states[s].high = max(states[s].high, x)
        if states[s].scoreSeries != 0 { scores.append(series: states[s].scoreSeries, value: 0, timestampNanoseconds: t) }
        guard states[s].seen >= p.warmup else { return }
        let range = ValueRange.learned(lo: states[s].low, hi: states[s].high, bits: p.model.bits,
                                        margin: p.rangeMargin)
        var model = ContextAnomalyModel(p.model)
        for v in states[s].warmupValues { _ = model.step(bin: range.bin(v)) }
        states[s].range = range
        states[s].model = model
        states[s].warmupValues = []
        let identity = identities[s]
        host.log(.info, "\(identity.displayName): learned the range \(ValueText.format(range.min))…\(ValueText.format(range.max)) from \(p.warmup) points; scoring from now on",
                 [("NAZAR_EVENT", "detector_range_learned"), ("metric", identity.metric),
                  ("rule", rules[Int(states[s].rule)].header.name)])
    }

    /// First point of a series: find the rules that watch it and give each a state.
    mutating func admit(_ point: PointView) -> SlotRange {
        let identity = SeriesIdentity(point)
        let first = Int32(clamping: states.count)
        for (index, rule) in rules.enumerated() where rule.header.selector.matches(name: identity.metric, labels: identity.labels) {
            let scoreSeries = publishScore ? identity.registerScoreSeries(rule: rule.header.name, host: host) ?? 0 : 0
            states.append(ContextSeriesState(rule: Int32(index), scoreSeries: scoreSeries, range: parameters[index].range,
                                             parameters: parameters[index].model))
            identities.append(identity)
        }
        let range = SlotRange(first: first, count: Int32(clamping: states.count) - first)
        slots.assign(point.series, range)
        return range
    }

    mutating func ignore(state s: Int, value: Double) {
        states[s].ignored &+= 1
        guard !states[s].warnedIgnored else { return }
        states[s].warnedIgnored = true
        let why = value.isFinite ? "a timestamp not after its previous point" : "the non-finite value \(ValueText.format(value))"
        log(state: s, .warning, event: "detector_input_ignored",
            "ignoring \(why) (further ignored points of this series are counted, not logged)")
    }

    mutating func noteClamped(state s: Int, value: Double, range: ValueRange) {
        states[s].clamped &+= 1
        guard !states[s].warnedClamped else { return }
        states[s].warnedClamped = true
        log(state: s, .notice, event: "detector_value_clamped",
            "\(ValueText.format(value)) is outside the range \(ValueText.format(range.min))…\(ValueText.format(range.max)); such values count as its end bins (set min and max in the rule to widen it)")
    }

    /// Forgets what a state learned, resolving an open incident first.
    mutating func restart(state s: Int, at t: Int64, reason: String) {
        if states[s].firing { resolve(state: s, value: .nan, at: t, summary: reason) }
        let p = parameters[Int(states[s].rule)]
        let hadLearned = states[s].seen > 0
        states[s].restart(configured: p.range, parameters: p.model)
        if hadLearned { log(state: s, .info, event: "detector_model_reset", reason) }
    }

    /// Resolves incidents of series silent for `stale_after` and frees the models of those
    /// silent for `reset_after` (a series that went away).
    mutating func sweepSilentSeries() {
        for s in states.indices {
            let last = states[s].lastTimestamp
            guard last != Int64.min else { continue }
            let silent = newestTimestamp &- last
            let p = parameters[Int(states[s].rule)]
            if p.resetAfterNanoseconds > 0, silent > p.resetAfterNanoseconds {
                restart(state: s, at: newestTimestamp, reason: "no data for \(Self.format(nanoseconds: silent)): model freed")
            } else if p.staleAfterNanoseconds > 0, silent > p.staleAfterNanoseconds, states[s].firing {
                resolve(state: s, value: .nan, at: newestTimestamp, summary: "no data for \(Self.format(nanoseconds: silent))")
            }
        }
    }

    mutating func fire(state s: Int, value: Double, step: ContextStep, range: ValueRange, at t: Int64, _ p: ContextParameters) {
        states[s].firing = true
        let rule = rules[Int(states[s].rule)].header
        let identity = identities[s]
        let learned = states[s].learningSince == Int64.min ? 0 : t &- states[s].learningSince
        let summary = "\(identity.displayName) \(ValueText.format(value)): context anomaly "
            + "\(ValueText.format(step.score, significant: 2)) ≥ \(ValueText.format(p.threshold)): "
            + "bin \(range.bin(value) + 1) of \(range.lastBin + 1) (\(ValueText.format(range.min))…\(ValueText.format(range.max))) "
            + "not predicted by the last values' contexts; \(step.active) of \(step.selected) matching contexts held, "
            + "\(step.new) of \(step.candidates) candidate contexts never seen; "
            + "\(states[s].seen - 1) points learned over \(Self.format(nanoseconds: learned))"
        host.raise(AlertSpec(rule: rule.name, severity: rule.severity, labels: identity.alertLabels(rule: rule.name),
                             summary: summary, value: value, score: step.score, timestampNanoseconds: t))
    }

    mutating func resolve(state s: Int, value: Double, at t: Int64, summary: String) {
        states[s].firing = false
        let rule = rules[Int(states[s].rule)].header
        let identity = identities[s]
        host.resolve(AlertSpec(rule: rule.name, severity: rule.severity, labels: identity.alertLabels(rule: rule.name),
                               summary: "\(identity.displayName) \(summary)", value: value, score: .nan,
                               timestampNanoseconds: t))
    }

    func log(state s: Int, _ level: PluginHost.LogLevel, event: String, _ message: String) {
        let identity = identities[s]
        host.log(level, "\(identity.displayName): \(message)",
                 [("NAZAR_EVENT", event), ("metric", identity.metric), ("rule", rules[Int(states[s].rule)].header.name)])
    }

    /// A data-time span to the minute ("14d2h5m"), or in seconds below one.
    static func format(nanoseconds: Int64) -> String {
        let seconds = nanoseconds / 1_000_000_000
        return ValueText.format(Duration.seconds(seconds >= 60 ? seconds / 60 * 60 : seconds))
    }
}
