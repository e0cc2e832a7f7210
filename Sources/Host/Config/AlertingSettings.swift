/// How alerts of one route are grouped and how often their notifications repeat.
/// Every field is optional in a route (nil inherits from `[alerting]`).
public struct AlertGrouping: Sendable, Equatable {
    /// Labels whose values make one group; `rule` and `severity` name the alert's own fields.
    public var groupBy: [String]
    /// How long a new group waits for more alerts before its first notification.
    public var groupWait: Duration
    /// How long a group that already notified waits before notifying of changes.
    public var groupInterval: Duration
    /// How long before an unchanged, still firing group is notified again.
    public var repeatInterval: Duration
    /// Whether a group whose alerts all resolved sends a resolved notification.
    public var sendResolved: Bool

    public init(groupBy: [String] = ["host", "rule"], groupWait: Duration = .seconds(30),
                groupInterval: Duration = .seconds(300), repeatInterval: Duration = .seconds(4 * 3600),
                sendResolved: Bool = true) {
        self.groupBy = groupBy
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.sendResolved = sendResolved
    }
}

/// One `[[alerting.route]]`: which alerts go to which notifier instances, tried in file order.
public struct AlertRouteConfig: Sendable, Equatable {
    /// Every matcher must match the alert's labels (plus `rule` and `severity`).
    public var matchers: [LabelMatcher]
    /// When set, only alerts of this severity match.
    public var severity: AlertEvent.Severity?
    /// Notifier instance names (plugins.d file names).
    public var notifiers: [String]
    /// Whether later routes are still tried after this one matched (Alertmanager's `continue`).
    public var continueMatching: Bool
    /// This route's grouping (inherited fields already filled in).
    public var grouping: AlertGrouping
    /// Its position among the `[[alerting.route]]` entries of nazar.toml, for messages.
    public var index: Int = 0

    public init(matchers: [LabelMatcher] = [], severity: AlertEvent.Severity? = nil, notifiers: [String],
                continueMatching: Bool = false, grouping: AlertGrouping = AlertGrouping()) {
        self.matchers = matchers
        self.severity = severity
        self.notifiers = notifiers
        self.continueMatching = continueMatching
        self.grouping = grouping
    }
}

/// The notification outbox's retry policy.
public struct OutboxSettings: Sendable, Equatable {
    /// First retry delay; each further retry doubles it (full jitter), up to `retryMax`.
    public var retryMin: Duration
    public var retryMax: Duration
    /// Attempts after which a notification fails for good (0 = no limit).
    public var maxAttempts: Int
    /// Age after which an undelivered notification fails for good.
    public var maxAge: Duration

    public init(retryMin: Duration = .seconds(1), retryMax: Duration = .seconds(300), maxAttempts: Int = 0,
                maxAge: Duration = .seconds(24 * 3600)) {
        self.retryMin = retryMin
        self.retryMax = retryMax
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }
}

/// The `[alerting]` section of nazar.toml.
public struct AlertingSettings: Sendable, Equatable {
    /// Grouping of the default route and of every route that does not override it.
    public var grouping: AlertGrouping
    /// A series that fires again within this time of its last firing notification is not
    /// notified again (flap damping); 0 turns it off.
    public var cooldown: Duration
    /// How long an alert must keep firing in the manager before it is notified (a `for`
    /// on top of the detector's own); 0, the default, notifies at once.
    public var pendingFor: Duration
    public var routes: [AlertRouteConfig]
    public var outbox: OutboxSettings

    public init(grouping: AlertGrouping = AlertGrouping(), cooldown: Duration = .seconds(300),
                pendingFor: Duration = .zero, routes: [AlertRouteConfig] = [], outbox: OutboxSettings = OutboxSettings()) {
        self.grouping = grouping
        self.cooldown = cooldown
        self.pendingFor = pendingFor
        self.routes = routes
        self.outbox = outbox
    }

    public static let defaults = AlertingSettings()
    static let keys = ["group_by", "group_wait", "group_interval", "repeat_interval", "send_resolved", "cooldown",
                       "pending_for", "route", "retry_min", "retry_max", "max_attempts", "max_age"]
    static let routeKeys = ["matchers", "severity", "notifiers", "continue", "group_by", "group_wait",
                            "group_interval", "repeat_interval", "send_resolved"]
    static let maxAttemptsRange = 0...1_000_000

    /// Reads `[alerting]`; refused values keep their default and add a diagnostic.
    static func read(_ table: [String: TOMLNode], reader: inout ConfigValueReader) -> AlertingSettings {
        let base = TOMLPath(keys: "alerting")
        var s = AlertingSettings()
        s.grouping = readGrouping(table, at: base, inherited: s.grouping, reader: &reader)
        if let d = reader.duration(table, "cooldown", at: base) { s.cooldown = d }
        if let d = reader.duration(table, "pending_for", at: base) { s.pendingFor = d }
        if let d = reader.duration(table, "retry_min", at: base, minimum: .milliseconds(10)) { s.outbox.retryMin = d }
        if let d = reader.duration(table, "retry_max", at: base, minimum: .milliseconds(10)) { s.outbox.retryMax = d }
        if s.outbox.retryMax < s.outbox.retryMin {
            reader.error("retry_max (\(formatDuration(s.outbox.retryMax))) is shorter than retry_min (\(formatDuration(s.outbox.retryMin)))",
                         at: base.appending("retry_max"))
            s.outbox.retryMax = s.outbox.retryMin
        }
        if let n = reader.integer(table, "max_attempts", at: base, range: maxAttemptsRange) { s.outbox.maxAttempts = n }
        if let d = reader.duration(table, "max_age", at: base, minimum: .seconds(1)) { s.outbox.maxAge = d }
        if let node = table["route"] {
            let path = base.appending("route")
            guard case let .array(items) = node else {
                reader.typeMismatch("an array of tables ([[alerting.route]])", node, at: path)
                return s
            }
            for (index, item) in items.enumerated() {
                guard case let .table(route) = item else {
                    reader.typeMismatch("a table", item, at: path.appending(index: index))
                    continue
                }
                if var r = readRoute(route, at: path.appending(index: index), inherited: s.grouping, reader: &reader) {
                    r.index = index
                    s.routes.append(r)
                }
            }
        }
        return s
    }

    private static func readGrouping(_ table: [String: TOMLNode], at base: TOMLPath, inherited: AlertGrouping,
                                     reader: inout ConfigValueReader) -> AlertGrouping {
        var g = inherited
        if let labels = reader.strings(table, "group_by", at: base) {
            if let bad = labels.first(where: { !LabelText.isValidKey($0) }) {
                reader.error("'\(bad)' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", at: base.appending("group_by"))
            } else {
                g.groupBy = labels
            }
        }
        if let d = reader.duration(table, "group_wait", at: base) { g.groupWait = d }
        if let d = reader.duration(table, "group_interval", at: base, minimum: .milliseconds(10)) { g.groupInterval = d }
        if let d = reader.duration(table, "repeat_interval", at: base, minimum: .milliseconds(10)) { g.repeatInterval = d }
        if let b = reader.bool(table, "send_resolved", at: base) { g.sendResolved = b }
        return g
    }

    private static func readRoute(_ table: [String: TOMLNode], at path: TOMLPath, inherited: AlertGrouping,
                                  reader: inout ConfigValueReader) -> AlertRouteConfig? {
        reader.rejectUnknownKeys(table, known: routeKeys, at: path)
        var ok = true
        var matchers: [LabelMatcher] = []
        if let texts = reader.strings(table, "matchers", at: path) {
            for (i, text) in texts.enumerated() {
                do {
                    // Each entry is one matcher or a braced list of them.
                    matchers += text.hasPrefix("{") ? try LabelMatcher.parseList(text) : [try LabelMatcher.parse(text)]
                } catch {
                    reader.error("\(error)", at: path.appending("matchers").appending(index: i))
                    ok = false
                }
            }
        }
        var severity: AlertEvent.Severity?
        if let word = reader.word(table, "severity", at: path, allowed: ["info", "warning", "critical"]) {
            severity = AlertEvent.Severity.named(word)
        }
        let notifiers = reader.strings(table, "notifiers", at: path) ?? []
        if notifiers.isEmpty {
            reader.error("a route needs notifiers = [\"instance\", ...]", at: table["notifiers"] == nil ? path : path.appending("notifiers"))
            ok = false
        }
        let cont = reader.bool(table, "continue", at: path) ?? false
        let grouping = readGrouping(table, at: path, inherited: inherited, reader: &reader)
        guard ok else { return nil }
        return AlertRouteConfig(matchers: matchers, severity: severity, notifiers: notifiers, continueMatching: cont,
                                grouping: grouping)
    }
}

extension AlertingSettings {
    /// Warnings for routes naming notifiers that no enabled plugins.d instance provides
    /// (a typo would otherwise drop those alerts for that route silently).
    func routeWarnings(instances: [PluginInstanceConfig], file: String) -> [ConfigDiagnostic] {
        let enabled = Set(instances.filter(\.enabled).map(\.name))
        let disabled = Set(instances.filter { !$0.enabled }.map(\.name))
        var out: [ConfigDiagnostic] = []
        for route in routes {
            let key = TOMLPath(keys: "alerting", "route").appending(index: route.index).appending("notifiers").description
            for name in route.notifiers where !enabled.contains(name) {
                let why = disabled.contains(name) ? "instance '\(name)' is disabled in plugins.d"
                                                  : "no plugins.d instance is named '\(name)'"
                out.append(.warning("\(why): alerts taking this route are not sent to it", file: file, key: key))
            }
        }
        return out
    }
}

extension AlertEvent.Severity {
    /// The severity spelled as in topics and config ("info", "warning", "critical").
    public static func named(_ word: String) -> AlertEvent.Severity? {
        switch word {
        case "info": return .info
        case "warning": return .warning
        case "critical": return .critical
        default: return nil
        }
    }
}
