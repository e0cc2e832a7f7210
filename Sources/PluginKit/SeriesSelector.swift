/// Which series a detector rule applies to: a metric name (exact or glob) plus optional
/// label matchers, read from a rule table:
///
///     metric = "disk.used_percent"
///     labels = { mount = "/", device = "sd*", core = "" }   # "" = label absent
///
/// The bus subscription decides what reaches the detector at all; the selector picks,
/// among those, the series this rule watches. Evaluated once per new series.
public struct SeriesSelector: Sendable {
    /// The metric name pattern.
    public let metric: GlobPattern
    /// Label matchers, all of which must match.
    public let labels: [(key: String, pattern: GlobPattern)]

    /// A selector from a metric pattern and (label, pattern) pairs.
    public init(metric: String, labels: [(String, String)] = []) {
        self.metric = GlobPattern(metric)
        self.labels = labels.map { (key: $0.0, pattern: GlobPattern($0.1)) }
    }

    /// Reads `metric` (required, non-empty) and `labels` (a table of strings) from `table`.
    public init(table: PluginConfig) throws(PluginError) {
        guard let metric = try table.string("metric"), !metric.isEmpty else {
            throw .config(key: table.qualified("metric"), "required: the metric name (or glob) this rule watches")
        }
        var matchers: [(String, String)] = []
        if let value = table.value("labels") {
            guard case let .object(members) = value else {
                throw .config(key: table.qualified("labels"), "expected a table of label = \"value or glob\", got \(value.typeName)")
            }
            for (key, v) in members {
                guard case let .string(s) = v else {
                    throw .config(key: table.qualified("labels.\(key)"), "expected a string, got \(v.typeName)")
                }
                matchers.append((key, s))
            }
        }
        self.init(metric: metric, labels: matchers)
    }

    /// True when `name` matches the metric pattern and every label matcher matches its
    /// label. A matcher on a label the series lacks matches only the empty pattern, so
    /// `labels = { core = "" }` selects the machine-wide series, not the per-core ones.
    public func matches(name: String, labels seriesLabels: [(String, String)]) -> Bool {
        guard metric.matches(name) else { return false }
        for matcher in labels {
            let value = seriesLabels.first(where: { $0.0 == matcher.key })?.1 ?? ""
            guard matcher.pattern.matches(value) else { return false }
        }
        return true
    }
}
