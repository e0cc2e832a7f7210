/// The keys every detector rule shares: `name`, `severity` and the series selector
/// (`metric`, `labels`). Detectors read their own parameters from the same table and
/// then call `rejectUnknownKeys` with `RuleHeader.keys` added to theirs.
public struct RuleHeader: Sendable {
    /// The rule name: the <rule> of alerts.<severity>.<rule> and the `rule` label.
    public let name: String
    /// The severity of the rule's alerts (`severity`, default warning).
    public let severity: AlertSpec.Severity
    /// Which series the rule watches (`metric`, `labels`).
    public let selector: SeriesSelector

    /// Keys `init(table:)` reads.
    public static let keys: Set<String> = ["name", "metric", "labels", "severity"]

    /// Reads the shared keys of one rule table; errors name the key with the table's path.
    public init(table: PluginConfig, defaultSeverity: AlertSpec.Severity = .warning) throws(PluginError) {
        guard let name = try table.string("name") else {
            throw .config(key: table.qualified("name"), "required: a rule name such as \"cpu_high\"")
        }
        guard Self.isValidName(name) else {
            throw .config(key: table.qualified("name"), "'\(name)' must match [a-zA-Z0-9_-]+ (it is one word of the alert topic)")
        }
        self.name = name
        let severityName = try table.string("severity", default: Self.name(of: defaultSeverity))
        guard let severity = AlertSpec.Severity(name: severityName) else {
            throw .config(key: table.qualified("severity"), "'\(severityName)' is not one of info, warning, critical")
        }
        self.severity = severity
        selector = try SeriesSelector(table: table)
    }

    /// A header built in code (tests, plugins with a fixed rule).
    public init(name: String, severity: AlertSpec.Severity, selector: SeriesSelector) {
        self.name = name
        self.severity = severity
        self.selector = selector
    }

    /// Whether `name` can be a rule name: one word of the alert topic, [a-zA-Z0-9_-]+.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }

    static func name(of severity: AlertSpec.Severity) -> String {
        switch severity {
        case .info: return "info"
        case .warning: return "warning"
        case .critical: return "critical"
        }
    }

    /// Reads the `rules` array of tables of a detector's config, requiring at least one
    /// rule and unique names. `parse` builds one rule from its table.
    public static func rules<R>(in config: PluginConfig,
                                _ parse: (PluginConfig) throws(PluginError) -> R,
                                name: (R) -> String) throws(PluginError) -> [R] {
        guard let tables = try config.tables("rules"), !tables.isEmpty else {
            throw .config(key: config.qualified("rules"), "required: at least one [[config.rules]] table")
        }
        var out: [R] = []
        var seen: Set<String> = []
        for table in tables {
            let rule = try parse(table)
            guard seen.insert(name(rule)).inserted else {
                throw .config(key: table.qualified("name"), "'\(name(rule))' is used by another rule of this instance")
            }
            out.append(rule)
        }
        return out
    }
}
