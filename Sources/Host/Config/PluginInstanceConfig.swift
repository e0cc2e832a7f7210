/// Where an instance's plugin code runs (`isolation =` in its plugins.d file).
public enum PluginIsolation: String, Sendable, Equatable, CaseIterable {
    /// Loaded into nazard: fastest; a crash in the plugin takes the daemon down.
    case none
    /// In a `nazar-plugin-host` child process per instance: a crash or hang kills only
    /// the child, which is restarted with backoff.
    case process
}

/// One plugin instance, from one file in plugins.d.
public struct PluginInstanceConfig: Sendable, Equatable {
    /// Path of the plugins.d file.
    public var file: String
    /// Instance name, unique across plugins.d; defaults to the file name without ".toml".
    public var name: String
    /// A plugin name to look up in the search path, or an absolute path to a .so, as written.
    public var plugin: String
    /// A disabled instance is validated and listed but not started.
    public var enabled: Bool
    /// Collectors' sampling interval; at least `minimumInterval`.
    public var interval: Duration
    /// Bus binding patterns (validated as `BindingPattern`).
    public var subscribe: [String]
    /// How long one call into the plugin may take before the instance is quarantined.
    public var callTimeout: Duration
    /// The `[config]` table as canonical JSON (sorted keys, no whitespace, "{}" if absent):
    /// equal configs give equal strings, which is how reload tells "changed" from "same".
    public var configJSON: String
    /// In-process (default) or in a child process.
    public var isolation: PluginIsolation

    /// An instance with the documented defaults for whatever is left out.
    public init(file: String, name: String, plugin: String, enabled: Bool = true,
                interval: Duration = PluginInstanceConfig.defaultInterval, subscribe: [String] = [],
                configJSON: String = "{}", callTimeout: Duration = PluginInstanceConfig.defaultCallTimeout,
                isolation: PluginIsolation = .none) {
        self.file = file
        self.name = name
        self.plugin = plugin
        self.enabled = enabled
        self.interval = interval
        self.subscribe = subscribe
        self.configJSON = configJSON
        self.callTimeout = callTimeout
        self.isolation = isolation
    }

    /// `interval` when the file does not set one.
    public static let defaultInterval = Duration.seconds(10)
    /// `call_timeout` when the file does not set one.
    public static let defaultCallTimeout = Duration.seconds(30)
    /// The shortest accepted `call_timeout`.
    public static let minimumCallTimeout = Duration.milliseconds(100)
    /// The shortest accepted `interval`.
    public static let minimumInterval = Duration.milliseconds(100)

    /// `subscribe` as patterns; they were validated when the file was loaded.
    public var bindingPatterns: [BindingPattern] {
        subscribe.compactMap { try? BindingPattern($0) }
    }

    /// Whether `name` is a valid instance name: `[a-zA-Z0-9_.-]+`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
        }
    }
}
