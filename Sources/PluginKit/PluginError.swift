/// An error a plugin reports to the host. It never crosses the C line as a Swift error:
/// PluginKit turns it into a return code plus a message in the host's buffer.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Retrying will not help (bad config, rejected credentials, HTTP 4xx).
        case permanent
        /// Retrying later may help (timeout, HTTP 5xx/429). `retryAfterMilliseconds`
        /// asks the host to wait at least that long.
        case transient(retryAfterMilliseconds: Int64)
    }

    public var kind: Kind
    public var message: String

    public init(_ message: String, kind: Kind = .permanent) {
        self.kind = kind
        self.message = message
    }

    /// A config error that names the key, as admins need to find it in plugins.d.
    public static func config(key: String, _ reason: String) -> PluginError {
        PluginError("config key '\(key)': \(reason)")
    }

    public static func transient(_ message: String, retryAfterMilliseconds: Int64 = 0) -> PluginError {
        PluginError(message, kind: .transient(retryAfterMilliseconds: retryAfterMilliseconds))
    }

    public var description: String { message }
}
