/// A plugin instance's `[config]` table, with typed accessors whose errors name the key,
/// so `nazarctl check-config` and the journal can tell the admin what to fix.
///
/// Keys are looked up with dotted paths ("smtp.port"). Unknown keys are reported by
/// `rejectUnknownKeys(allowed:)`, which a plugin calls after reading its config: a typo in
/// a plugins.d file should be an error, not a silently ignored setting.
public struct PluginConfig: Sendable {
    public let root: JSONValue
    /// Where this table sits in the instance's config ("" for the top level,
    /// "rules[2]" for a table of an array): prefixed to every key named in an error.
    public let path: String

    public init(json: String) throws(PluginError) {
        path = ""
        do {
            root = try JSONValue.parse(json.isEmpty ? "{}" : json)
        } catch {
            throw PluginError("config is not valid JSON: \(error)")
        }
        guard case .object = root else { throw PluginError("config must be a table, got \(root.typeName)") }
    }

    public init(_ value: JSONValue, path: String = "") {
        root = value
        self.path = path
    }

    /// `key` as the admin sees it in the plugins.d file, e.g. "rules[2].above".
    public func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An array of tables (`[[config.rules]]` in TOML), each as a config whose errors name
    /// it ("rules[0].metric"). nil when the key is absent; throws when it is not an array
    /// of tables.
    public func tables(_ key: String) throws(PluginError) -> [PluginConfig]? {
        guard let v = value(key) else { return nil }
        guard case let .array(items) = v else {
            throw .config(key: qualified(key), "expected an array of tables ([[...]]), got \(v.typeName)")
        }
        var out: [PluginConfig] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(qualified(key))[\(i)]"
            guard case .object = item else { throw .config(key: itemPath, "expected a table, got \(item.typeName)") }
            out.append(PluginConfig(item, path: itemPath))
        }
        return out
    }

    public func value(_ key: String) -> JSONValue? {
        var current: JSONValue? = root
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            current = current?[String(part)]
        }
        if case .null? = current { return nil }
        return current
    }

    public func has(_ key: String) -> Bool { value(key) != nil }

    public func string(_ key: String) throws(PluginError) -> String? {
        guard let v = value(key) else { return nil }
        guard case let .string(s) = v else { throw .config(key: qualified(key), "expected a string, got \(v.typeName)") }
        return s
    }

    public func string(_ key: String, default fallback: String) throws(PluginError) -> String {
        try string(key) ?? fallback
    }

    public func double(_ key: String) throws(PluginError) -> Double? {
        guard let v = value(key) else { return nil }
        guard case let .number(d) = v, d.isFinite else { throw .config(key: qualified(key), "expected a number, got \(v.typeName)") }
        return d
    }

    public func double(_ key: String, default fallback: Double) throws(PluginError) -> Double {
        try double(key) ?? fallback
    }

    public func int(_ key: String) throws(PluginError) -> Int? {
        guard let d = try double(key) else { return nil }
        guard d.rounded() == d, let i = Int(exactly: d) else { throw .config(key: qualified(key), "expected an integer, got \(d)") }
        return i
    }

    public func int(_ key: String, default fallback: Int, range: ClosedRange<Int>? = nil) throws(PluginError) -> Int {
        let v = try int(key) ?? fallback
        if let range, !range.contains(v) {
            throw .config(key: qualified(key), "\(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    public func bool(_ key: String, default fallback: Bool) throws(PluginError) -> Bool {
        guard let v = value(key) else { return fallback }
        guard case let .bool(b) = v else { throw .config(key: qualified(key), "expected true or false, got \(v.typeName)") }
        return b
    }

    public func strings(_ key: String) throws(PluginError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case let .array(items) = v else { throw .config(key: qualified(key), "expected an array of strings, got \(v.typeName)") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case let .string(s) = item else { throw .config(key: "\(qualified(key))[\(i)]", "expected a string, got \(item.typeName)") }
            out.append(s)
        }
        return out
    }

    /// A duration: a number of seconds, or a string such as "500ms", "10s", "5m", "1h30m", "7d".
    public func duration(_ key: String) throws(PluginError) -> Duration? {
        guard let v = value(key) else { return nil }
        switch v {
        case let .number(seconds) where seconds >= 0 && seconds.isFinite:
            return .nanoseconds(Int64(seconds * 1e9))
        case let .string(text):
            guard let d = DurationText.parse(text) else {
                throw .config(key: qualified(key), "'\(text)' is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d)")
            }
            return d
        default:
            throw .config(key: qualified(key), "expected a duration such as \"10s\", got \(v.typeName)")
        }
    }

    public func duration(_ key: String, default fallback: Duration) throws(PluginError) -> Duration {
        try duration(key) ?? fallback
    }

    /// A duration in whole nanoseconds (the unit of point timestamps), saturating.
    public func nanoseconds(_ key: String, default fallback: Duration) throws(PluginError) -> Int64 {
        let (seconds, attoseconds) = try duration(key, default: fallback).components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : ns &+ attoseconds / 1_000_000_000
    }

    /// Throws for the first top-level key not in `allowed`.
    public func rejectUnknownKeys(allowed: Set<String>) throws(PluginError) {
        guard case let .object(members) = root else { return }
        for (key, _) in members where !allowed.contains(key) {
            let known = allowed.sorted().joined(separator: ", ")
            throw .config(key: qualified(key), "unknown key (known keys: \(known))")
        }
    }
}

