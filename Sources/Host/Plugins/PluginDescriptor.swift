import PluginAPI

/// The kinds of plugin this host can run.
public enum PluginKind: UInt32, Sendable, CustomStringConvertible {
    case collector = 1, detector = 2, notifier = 3

    public var description: String {
        switch self {
        case .collector: return "collector"
        case .detector: return "detector"
        case .notifier: return "notifier"
        }
    }
}

/// A validated copy of a plugin's descriptor. The host zero-fills its own struct and
/// copies only the bytes the plugin declared, so fields appended after the plugin was
/// built read as NULL (OBS's obs_register_source_s pattern).
public struct PluginDescriptor: @unchecked Sendable {
    public let raw: nazar_plugin
    public let kind: PluginKind
    public let name: String
    public let version: String
    public let summary: String
    public let abiVersion: UInt32
    /// The library file it came from.
    public let path: String
    /// Distinct per dlopen of a file version: a changed file loaded anew gets a new id,
    /// which is how reload tells that an instance's code changed.
    public let loadID: Int
}
