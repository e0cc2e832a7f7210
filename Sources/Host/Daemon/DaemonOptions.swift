/// Command-line overrides of nazar.toml, for development runs and tests.
public struct DaemonOptions: Sendable {
    public var configPath: String
    /// Searched before the configured search path (e.g. the build directory).
    public var extraPluginDirectories: [String]
    /// Replaces daemon.state_directory.
    public var stateDirectory: String?

    public init(configPath: String, extraPluginDirectories: [String] = [], stateDirectory: String? = nil) {
        self.configPath = configPath
        self.extraPluginDirectories = extraPluginDirectories
        self.stateDirectory = stateDirectory
    }
}
