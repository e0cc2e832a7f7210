import PluginKit

/// Timeouts and TLS settings shared by every libcurl transfer a notifier makes, read
/// from the same config keys in all three plugins.
public struct TransportOptions: Sendable {
    /// Whole-transfer limit; a server that hangs past it is a transient failure.
    public var timeoutMilliseconds: Int
    /// TCP + TLS connect limit (the smaller of 10 s and `timeout`).
    public var connectTimeoutMilliseconds: Int
    /// PEM bundle to trust instead of the system's: for tests and private CAs.
    public var caFile: String?
    /// Tests only: accept any certificate. Never set this against a real service.
    public var insecureSkipVerify: Bool

    /// Options with the connect timeout derived from `timeoutMilliseconds` (at most 10 s).
    public init(timeoutMilliseconds: Int = 10_000, caFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.connectTimeoutMilliseconds = min(10_000, timeoutMilliseconds)
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// The config keys this type reads.
    public static let configKeys: Set<String> = ["timeout", "ca_file", "insecure_skip_verify"]

    /// Reads `timeout` (duration, default 10s, 100ms...5m), `ca_file`, `insecure_skip_verify`.
    public init(config: PluginConfig) throws(PluginError) {
        let timeout = try config.duration("timeout", default: .seconds(10))
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        guard ms >= 100, ms <= 300_000 else {
            throw .config(key: "timeout", "must be between 100ms and 5m")
        }
        let ca = try config.string("ca_file")
        if let ca, ca.isEmpty { throw .config(key: "ca_file", "must not be empty") }
        self.init(timeoutMilliseconds: Int(ms), caFile: ca,
                  insecureSkipVerify: try config.bool("insecure_skip_verify", default: false))
    }
}
