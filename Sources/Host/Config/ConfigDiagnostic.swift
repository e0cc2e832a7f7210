/// One thing wrong (or risky) in a configuration file, located so an admin can fix it:
/// `plugins.d/x.toml:7: bus.overflow: 'sometimes' is not one of block, drop_newest, drop_oldest`.
public struct ConfigDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    /// An error costs what it is in (the daemon for nazar.toml, one instance for a
    /// plugins.d file); a warning costs nothing but deserves a look.
    public enum Severity: String, Sendable {
        case error, warning
    }

    /// Error or warning.
    public var severity: Severity
    /// The file as the loader named it (nazar.toml as given, plugins.d files under it).
    public var file: String
    /// 1-based line, when the problem has one.
    public var line: Int?
    /// Dotted key path, e.g. "bus.queue_capacity" or "config.smtp.port".
    public var key: String?
    /// What is wrong, for an admin: "'sometimes' is not one of block, drop_newest, drop_oldest".
    public var message: String

    /// A diagnostic; prefer `.error(…)` and `.warning(…)`.
    public init(severity: Severity, file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// An error diagnostic.
    public static func error(_ message: String, file: String, line: Int? = nil, key: String? = nil) -> ConfigDiagnostic {
        ConfigDiagnostic(severity: .error, file: file, line: line, key: key, message: message)
    }

    /// A warning diagnostic.
    public static func warning(_ message: String, file: String, line: Int? = nil, key: String? = nil) -> ConfigDiagnostic {
        ConfigDiagnostic(severity: .warning, file: file, line: line, key: key, message: message)
    }

    /// Whether the severity is `.error`.
    public var isError: Bool { severity == .error }

    /// `file:line: key: message`, leaving out what is unknown. Warnings say so
    /// (`file: warning: message`), since they share the stream with errors; errors are
    /// the unmarked default.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if severity == .warning { text += "warning: " }
        if let key { text += "\(key): " }
        return text + message
    }
}
