/// Command-line overrides of nazar.toml, for development runs and tests.
public struct DaemonOptions: Sendable {
    public var configPath: String
    /// Searched before the configured search path (e.g. the build directory).
    public var extraPluginDirectories: [String]
    /// Replaces daemon.state_directory.
    public var stateDirectory: String?
    /// Where the status and pid files go (nil: none are written, as in tests).
    public var runtimeDirectory: String?

    public init(configPath: String, extraPluginDirectories: [String] = [], stateDirectory: String? = nil,
                runtimeDirectory: String? = nil) {
        self.configPath = configPath
        self.extraPluginDirectories = extraPluginDirectories
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
    }
}
