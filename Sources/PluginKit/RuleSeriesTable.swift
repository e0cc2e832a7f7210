/// What a rule-based detector keeps per (series, rule) pair: `RuleSeriesTable` creates
/// one when a rule first matches a series and counts the points the detector ignores.
public protocol RuleSeriesState: Sendable {
    /// A fresh state for the rule at index `rule` of the detector's rules; `scoreSeries`
    /// is the registered `anomaly.score` series, 0 when the detector does not publish one.
    init(rule: Int32, scoreSeries: UInt64)
    /// Index of the rule in the detector's rules.
    var rule: Int32 { get }
    /// The `anomaly.score` series id, 0 when not publishing.
    var scoreSeries: UInt64 { get }
    /// Points not learned from (non-finite values, timestamps not after the last one).
    var ignored: UInt64 { get set }
    /// True once an ignored point of this state has been logged.
    var warned: Bool { get set }
}

/// The series side of a rule-based detector: which rules watch which series, one
/// `State` per (series, rule) pair in a flat array, and the series' names and labels
/// for alerts. The detector owns the arithmetic; this table owns admitting a series on
/// its first point, finding its states on every later one, logging ignored input once
/// per state, and turning a state into an alert.
///
/// Per point: `states(of:host:)` is one array load for a known series (no hashing, no
/// allocation); only a series' first point allocates (its name and labels).
///
/// Not thread-safe: a detector instance is never called concurrently, and the table is
/// one of its stored properties.
public struct RuleSeriesTable<State: RuleSeriesState>: Sendable {
    /// The detector's rules, in config order; a state's `rule` indexes this.
    public let rules: [RuleHeader]
    /// Whether a new state gets an `anomaly.score` series registered.
    public let publishScore: Bool
    /// The states, grouped per series in admission order; index them with what
    /// `states(of:host:)` returns.
    public var states: ContiguousArray<State> = []
    /// Names and labels, indexed like `states`; read only when alerting or logging.
    public private(set) var identities: [SeriesIdentity] = []
    @usableFromInline var slots = SeriesSlots()

    /// An empty table for `rules`; with `publishScore` every admitted pair registers its
    /// `anomaly.score` series with the host (see `SeriesIdentity.registerScoreSeries`).
    public init(rules: [RuleHeader], publishScore: Bool) {
        self.rules = rules
        self.publishScore = publishScore
    }

    /// The indices in `states` of the pairs watching the point's series (empty when no
    /// rule matches it). A series seen for the first time is admitted: every rule whose
    /// selector matches gets a new state.
    @inlinable @inline(__always)
    public mutating func states(of point: PointView, host: PluginHost) -> Range<Int> {
        var range = slots.lookup(point.series)
        if range.count < 0 { range = admit(point, host: host) }
        return Int(range.first)..<Int(range.first &+ max(range.count, 0))
    }

    /// First point of a series: a state for every rule that watches it.
    @usableFromInline
    mutating func admit(_ point: PointView, host: PluginHost) -> SlotRange {
        let identity = SeriesIdentity(point)
        let first = Int32(clamping: states.count)
        for (index, rule) in rules.enumerated() where rule.selector.matches(name: identity.metric, labels: identity.labels) {
            let scoreSeries = publishScore ? identity.registerScoreSeries(rule: rule.name, host: host) ?? 0 : 0
            states.append(State(rule: Int32(index), scoreSeries: scoreSeries))
            identities.append(identity)
        }
        let range = SlotRange(first: first, count: Int32(clamping: states.count) - first)
        slots.assign(point.series, range)
        return range
    }

    /// The rule of state `s`.
    public func rule(of s: Int) -> RuleHeader { rules[Int(states[s].rule)] }

    /// Counts a point state `s` did not learn from; logs the first one per state (a
    /// warning with `NAZAR_EVENT=detector_input_ignored`), so a broken source cannot
    /// flood the journal. `value` says why: non-finite, else a timestamp not after the last.
    public mutating func ignore(state s: Int, value: Double, host: PluginHost) {
        states[s].ignored &+= 1
        guard !states[s].warned else { return }
        states[s].warned = true
        let identity = identities[s]
        let why = value.isFinite ? "a timestamp not after its previous point" : "the non-finite value \(ValueText.format(value))"
        host.log(.warning, "\(identity.displayName): ignoring \(why) (further ignored points of this series are counted, not logged)",
                 [("NAZAR_EVENT", "detector_input_ignored"), ("metric", identity.metric), ("rule", rule(of: s).name)])
    }

    /// The alert of state `s`: its rule's name and severity, the series' labels plus
    /// `metric` and `rule`, and a summary that starts with the series' display name
    /// followed by `detail`.
    public func alert(state s: Int, detail: String, value: Double, score: Double, at t: Int64) -> AlertSpec {
        let rule = rule(of: s)
        let identity = identities[s]
        return AlertSpec(rule: rule.name, severity: rule.severity, labels: identity.alertLabels(rule: rule.name),
                         summary: "\(identity.displayName) \(detail)", value: value, score: score, timestampNanoseconds: t)
    }
}
