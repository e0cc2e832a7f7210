/// Which points and alerts one stream subscription wants: label matchers (`__name__` is
/// the metric) and whether alert changes are included. Alerts are matched on their labels
/// with every matcher except `__name__`, so `{host="web1"}` gets web1's points and alerts.
///
/// Threading: used by the hub's fan-out thread only; the per-series cache is unlocked.
final class StreamFilter {
    let matchers: [LabelMatcher]
    let includeAlerts: Bool
    /// Clients with equal keys share one filter and one encoding per event.
    let key: String
    /// Per series id: 0 not decided yet, 1 matches, 2 does not.
    private var decided: [UInt8] = []

    init(matchers: [LabelMatcher], includeAlerts: Bool) {
        self.matchers = matchers
        self.includeAlerts = includeAlerts
        key = Self.key(matchers: matchers, includeAlerts: includeAlerts)
    }

    static func key(matchers: [LabelMatcher], includeAlerts: Bool) -> String {
        matchers.map(\.description).sorted().joined(separator: ",") + (includeAlerts ? "|alerts" : "")
    }

    /// Whether the series' points pass; decided once per series from the registry.
    @inline(__always)
    func matches(series id: UInt64, registry: SeriesRegistry) -> Bool {
        if matchers.isEmpty { return true }
        let i = Int(id)
        if i < decided.count, decided[i] != 0 { return decided[i] == 1 }
        if i >= decided.count { decided.append(contentsOf: repeatElement(0, count: max(i + 1 - decided.count, 1024))) }
        let metric = registry.name(of: id)
        let labels = registry.labels(of: id)
        let ok = matchers.allSatisfy { m in
            m.matches(value: m.key == "__name__" ? metric : (labels.first(where: { $0.0 == m.key })?.1 ?? ""))
        }
        decided[i] = ok ? 1 : 2
        return ok
    }

    func matches(alert: AlertEvent) -> Bool {
        guard includeAlerts else { return false }
        return matchers.allSatisfy { m in
            m.key == "__name__" || m.matches(value: alert.labels.first(where: { $0.0 == m.key })?.1 ?? "")
        }
    }
}
