/// Everything the daemon runs with, and everything that was wrong on the way.
public struct LoadedConfig: Sendable {
    /// nazar.toml, validated.
    public var daemon: DaemonConfig
    /// The valid instances, enabled or not, in plugins.d file-name order.
    public var instances: [PluginInstanceConfig]
    /// Errors and warnings: nazar.toml's first, then each plugins.d file's in order.
    public var diagnostics: [ConfigDiagnostic]

    /// A loaded configuration (for tests and for callers that assemble one).
    public init(daemon: DaemonConfig, instances: [PluginInstanceConfig], diagnostics: [ConfigDiagnostic]) {
        self.daemon = daemon
        self.instances = instances
        self.diagnostics = diagnostics
    }

    /// Whether some plugins.d file was refused (nazar.toml errors throw instead).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// The outcome of checking a configuration without running it (`nazarctl check-config`):
/// unlike `ConfigLoader.load`, it reports every problem in nazar.toml, and still checks
/// plugins.d when nazar.toml has errors that do not hide where plugins.d is.
public struct ConfigCheck: Sendable {
    /// nil when nazar.toml could not be read or parsed.
    public var daemon: DaemonConfig?
    /// The instances that would be loaded.
    public var instances: [PluginInstanceConfig]
    /// Every problem found, in file order.
    public var diagnostics: [ConfigDiagnostic]

    /// Number of errors.
    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    /// Number of warnings.
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
    /// Whether nazard would refuse to start or leave an instance out.
    public var hasErrors: Bool { errorCount > 0 }

    /// One line: "nazar.toml OK, 3 plugin instances (1 disabled)" (", 1 warning" when there
    /// are warnings) or, with errors, "2 errors, 1 warning" ("2 errors" without warnings).
    public var summary: String {
        let warnings = warningCount
        let warningText = warnings == 1 ? "1 warning" : "\(warnings) warnings"
        if hasErrors {
            let errors = errorCount
            let errorText = errors == 1 ? "1 error" : "\(errors) errors"
            return warnings > 0 ? errorText + ", " + warningText : errorText
        }
        let fileName = daemon.map { ConfigPaths.fileName(of: $0.sourcePath) } ?? "configuration"
        var text = "\(fileName) OK, " + (instances.count == 1 ? "1 plugin instance" : "\(instances.count) plugin instances")
        let disabled = instances.count { !$0.enabled }
        if disabled > 0 { text += " (\(disabled) disabled)" }
        if warnings > 0 { text += ", " + warningText }
        return text
    }
}
