/// A plugin instance's `[config]` table, with typed accessors whose errors name the key,
/// so `nazarctl check-config` and the journal can tell the admin what to fix.
///
/// Keys are looked up with dotted paths ("smtp.port"). Unknown keys are reported by
/// `rejectUnknownKeys(allowed:)`, which a plugin calls after reading its config: a typo in
/// a plugins.d file should be an error, not a silently ignored setting.
public struct PluginConfig: Sendable {
    public let root: JSONValue

    public init(json: String) throws(PluginError) {
        do {
            root = try JSONValue.parse(json.isEmpty ? "{}" : json)
        } catch {
            throw PluginError("config is not valid JSON: \(error)")
        }
        guard case .object = root else { throw PluginError("config must be a table, got \(root.typeName)") }
    }

    public init(_ value: JSONValue) { root = value }

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
        guard case let .string(s) = v else { throw .config(key: key, "expected a string, got \(v.typeName)") }
        return s
    }

    public func string(_ key: String, default fallback: String) throws(PluginError) -> String {
        try string(key) ?? fallback
    }

    public func double(_ key: String) throws(PluginError) -> Double? {
        guard let v = value(key) else { return nil }
        guard case let .number(d) = v, d.isFinite else { throw .config(key: key, "expected a number, got \(v.typeName)") }
        return d
    }

    public func double(_ key: String, default fallback: Double) throws(PluginError) -> Double {
        try double(key) ?? fallback
    }

    public func int(_ key: String) throws(PluginError) -> Int? {
        guard let d = try double(key) else { return nil }
        guard d.rounded() == d, let i = Int(exactly: d) else { throw .config(key: key, "expected an integer, got \(d)") }
        return i
    }

    public func int(_ key: String, default fallback: Int, range: ClosedRange<Int>? = nil) throws(PluginError) -> Int {
        let v = try int(key) ?? fallback
        if let range, !range.contains(v) {
            throw .config(key: key, "\(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    public func bool(_ key: String, default fallback: Bool) throws(PluginError) -> Bool {
        guard let v = value(key) else { return fallback }
        guard case let .bool(b) = v else { throw .config(key: key, "expected true or false, got \(v.typeName)") }
        return b
    }

    public func strings(_ key: String) throws(PluginError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case let .array(items) = v else { throw .config(key: key, "expected an array of strings, got \(v.typeName)") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case let .string(s) = item else { throw .config(key: "\(key)[\(i)]", "expected a string, got \(item.typeName)") }
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
                throw .config(key: key, "'\(text)' is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d)")
            }
            return d
        default:
            throw .config(key: key, "expected a duration such as \"10s\", got \(v.typeName)")
        }
    }

    public func duration(_ key: String, default fallback: Duration) throws(PluginError) -> Duration {
        try duration(key) ?? fallback
    }

    /// Throws for the first top-level key not in `allowed`.
    public func rejectUnknownKeys(allowed: Set<String>) throws(PluginError) {
        guard case let .object(members) = root else { return }
        for (key, _) in members where !allowed.contains(key) {
            let known = allowed.sorted().joined(separator: ", ")
            throw .config(key: key, "unknown key (known keys: \(known))")
        }
    }
}

