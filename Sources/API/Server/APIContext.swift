import Host
import Logging

/// What every route shares: the daemon, the `[http]` settings, keys, rate limits and the
/// server's own metrics. One per server; immutable references to thread-safe parts.
public final class APIContext: Sendable {
    public let daemon: Daemon
    public let settings: HTTPSettings
    public let keys: APIKeyRing
    public let rateLimiter = IngestRateLimiter()
    public let metrics = HTTPMetrics()
    /// Firing alerts, history and silences (see `AlertSource`).
    public let alerts: any AlertSource
    public let logger: Logger
    /// Wall-clock ns when the server was created.
    public let startedAt: Int64

    public init(daemon: Daemon, settings: HTTPSettings? = nil, logger: Logger) {
        self.daemon = daemon
        let settings = settings ?? daemon.config.http
        self.settings = settings
        self.logger = logger
        keys = APIKeyRing(path: settings.keysPath(stateDirectory: daemon.config.stateDirectory), logger: logger)
        alerts = DaemonAlertSource(daemon: daemon)
        startedAt = wallClockNanoseconds()
    }

    /// The store behind the read API, or 503 when `[storage] backend = "none"`.
    public func storage() throws(APIError) -> any Storage {
        guard let storage = daemon.storageWriter?.storage else {
            throw APIError.unavailable("no storage configured ([storage] backend = \"none\")")
        }
        return storage
    }
}
