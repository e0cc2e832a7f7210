/// What a detector remembers about a series it watches: the metric name and labels,
/// read once from the first point (they allocate), used for alert labels, summaries
/// and the `anomaly.score` series.
public struct SeriesIdentity: Sendable {
    /// The metric name.
    public let metric: String
    /// The series' labels as delivered (sorted by key; includes `host`).
    public let labels: [(String, String)]

    /// An identity from a name and labels (sorted by key, as the host delivers them).
    public init(metric: String, labels: [(String, String)]) {
        self.metric = metric
        self.labels = labels
    }

    /// Reads the name and labels of a delivered point (allocates: once per new series).
    public init(_ point: PointView) {
        self.init(metric: point.name, labels: point.labels)
    }

    /// "cpu.total" or "disk.used_percent{mount=/}": the metric with its labels other than
    /// `host` (the alert carries the host separately), for summaries.
    public var displayName: String {
        let shown = labels.filter { $0.0 != "host" }
        guard !shown.isEmpty else { return metric }
        return metric + "{" + shown.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    /// Alert labels: the series' labels plus `metric` and `rule` (which win over series
    /// labels of the same name, so the alert identity is always unambiguous).
    public func alertLabels(rule: String) -> [(String, String)] {
        labels.filter { $0.0 != "metric" && $0.0 != "rule" } + [("metric", metric), ("rule", rule)]
    }

    /// Registers the `anomaly.score` series for this series under `rule` (labels as for
    /// alerts). nil when the host refused it (it logs why); the detector then simply
    /// does not publish a score for this series.
    public func registerScoreSeries(rule: String, host: PluginHost) -> UInt64? {
        host.registerSeries(Self.scoreMetric, labels: alertLabels(rule: rule))
    }

    /// The metric name detectors publish their continuous score under (value in [0, 1]).
    public static let scoreMetric = "anomaly.score"
}

/// Decides, in data time, when a detector should look for series that stopped
/// reporting: at most once per `interval` of the newest timestamp seen, so the sweep
/// over all series costs nothing per point.
public struct StalenessSweep: Sendable {
    /// Data time between sweeps, ns; 0 or less: never.
    public let interval: Int64
    var nextDue: Int64 = Int64.min

    /// `interval` in ns; 0 or less disables sweeping.
    public init(interval: Int64) { self.interval = interval }

    /// True when a sweep is due at data time `now` (and schedules the next one).
    public mutating func isDue(now: Int64) -> Bool {
        guard interval > 0 else { return false }
        if nextDue == Int64.min { nextDue = now + interval; return false }
        guard now >= nextDue else { return false }
        nextDue = now + interval
        return true
    }
}
