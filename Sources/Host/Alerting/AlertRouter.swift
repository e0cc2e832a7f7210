/// Decides which notifier instances get an alert and with which grouping.
///
/// Routes (`[[alerting.route]]`) are tried in file order; a matching route adds its
/// notifiers and stops the walk unless it has `continue = true`. An alert no route matched
/// takes the default route: every running notifier instance. Either way an instance's own
/// `subscribe` patterns (its plugins.d file) still filter what it receives, so plugins.d
/// files written before routing existed keep working unchanged. An instance with no
/// `subscribe` at all gets only what routes name it for.
struct AlertRouter: Sendable {
    /// A notifier instance the manager may deliver to.
    struct Notifier: Sendable {
        var name: String
        var patterns: [BindingPattern]
    }

    /// One receiver of an alert: the route it came by (-1 for the default route) and its grouping.
    struct Receiver: Sendable, Equatable {
        var notifier: String
        var route: Int
        var grouping: AlertGrouping
    }

    var routes: [AlertRouteConfig]
    var defaultGrouping: AlertGrouping
    var notifiers: [String: Notifier] = [:]

    func receivers(for alert: AlertEvent) -> [Receiver] {
        var out: [Receiver] = []
        var matchedAny = false
        let topic = alert.topic
        for (index, route) in routes.enumerated() where Self.matches(route, alert) {
            matchedAny = true
            for name in route.notifiers where !out.contains(where: { $0.notifier == name }) {
                // An instance without `subscribe` takes what routes name it for.
                if let n = notifiers[name], n.patterns.isEmpty || Self.subscribes(n, topic) {
                    out.append(Receiver(notifier: name, route: index, grouping: route.grouping))
                }
            }
            if !route.continueMatching { break }
        }
        if !matchedAny {
            for n in notifiers.values.sorted(by: { $0.name < $1.name }) where Self.subscribes(n, topic) {
                out.append(Receiver(notifier: n.name, route: -1, grouping: defaultGrouping))
            }
        }
        return out
    }

    static func matches(_ route: AlertRouteConfig, _ alert: AlertEvent) -> Bool {
        if let s = route.severity, s != alert.severity { return false }
        return route.matchers.allSatisfy { $0.matches(value: alert.labelValue($0.key)) }
    }

    private static func subscribes(_ n: Notifier, _ topic: String) -> Bool {
        n.patterns.contains { $0.matches(topic) }
    }
}

extension AlertEvent {
    /// The value of a label for matchers and grouping; `rule` and `severity` name the
    /// alert's own fields unless a label of that name exists. "" when absent.
    func labelValue(_ key: String) -> String {
        for (k, v) in labels where k == key { return v }
        switch key {
        case "rule", "alertname": return rule
        case "severity": return "\(severity)"
        default: return ""
        }
    }

    /// Whether every matcher matches (a silence's or a filter's).
    func matches(_ matchers: [LabelMatcher]) -> Bool {
        matchers.allSatisfy { $0.matches(value: labelValue($0.key)) }
    }
}
