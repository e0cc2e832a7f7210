/// What a publisher does when a subscriber's queue is full.
public enum OverflowPolicy: String, Sendable, CaseIterable {
    /// Wait up to `BusSettings.blockTimeout` for space, then drop the point.
    case block
    /// Drop the point being published.
    case dropNewest = "drop_newest"
    /// Drop the oldest queued point to make room.
    case dropOldest = "drop_oldest"
}

/// Where the daemon's log goes.
public enum LogTarget: String, Sendable, CaseIterable {
    /// The journal when running under systemd (`JOURNAL_STREAM` set), stderr otherwise.
    case auto
    case journal
    case stderr
}

/// The `[bus]` section of nazar.toml.
public struct BusSettings: Sendable, Equatable {
    /// "embedded" (in-process) or "rabbitmq" (`rabbitmq` holds its settings).
    public var backend: String
    /// Points per subscriber queue.
    public var queueCapacity: Int
    /// Most points handed to a subscriber in one delivery; never above `queueCapacity`.
    public var batchSize: Int
    /// What publishers do when a subscriber's queue is full.
    public var overflow: OverflowPolicy
    /// How long a publisher waits for space with `.block` before dropping.
    public var blockTimeout: Duration
    /// Most distinct series the host tracks.
    public var maxSeries: Int
    /// `[bus.rabbitmq]`; used when `backend` is "rabbitmq".
    public var rabbitmq = RabbitMQSettings()

    /// Settings with the documented defaults for whatever is left out.
    public init(backend: String = "embedded", queueCapacity: Int = 65_536, batchSize: Int = 4_096,
                overflow: OverflowPolicy = .block, blockTimeout: Duration = .milliseconds(200),
                maxSeries: Int = 1_000_000) {
        self.backend = backend
        self.queueCapacity = queueCapacity
        self.batchSize = batchSize
        self.overflow = overflow
        self.blockTimeout = blockTimeout
        self.maxSeries = maxSeries
    }

    /// The defaults nazar.toml documents.
    public static let defaults = BusSettings()

    /// Allowed `queue_capacity`.
    public static let queueCapacityRange = 1_024...67_108_864
    /// Allowed `batch_size` (and it may not exceed `queue_capacity`).
    public static let batchSizeRange = 1...1_048_576
}

/// The daemon's own settings, from nazar.toml, with every default applied and every
/// relative path resolved against the directory of nazar.toml.
public struct DaemonConfig: Sendable, Equatable {
    /// The nazar.toml path as given.
    public var sourcePath: String
    /// The configured host name, else gethostname().
    public var hostname: String
    /// Where nazard keeps its state (the embedded database, the bus spool).
    public var stateDirectory: String
    /// The directory of instance files; relative to nazar.toml's directory when written relative.
    public var pluginsDirectory: String
    /// Directories searched, in order, for a plugin given by name.
    public var searchPath: [String]
    /// Whether the plugin loader refuses a plugin file (or its directory) that anyone but
    /// root or nazard's user can write (sshd StrictModes style).
    public var strictPermissions: Bool
    /// The `[bus]` section.
    public var bus: BusSettings
    /// The `[storage]` section.
    public var storage: StorageSettings
    /// The `[http]` section.
    public var http: HTTPSettings = .defaults
    /// `.zero` disables self-metrics.
    public var selfMetricsInterval: Duration
    /// One of `DaemonConfig.logLevels`.
    public var logLevel: String
    /// Where the log goes.
    public var logTarget: LogTarget

    /// Accepted `log.level` words, most verbose first.
    public static let logLevels = ["debug", "info", "notice", "warning", "error"]

    /// What an empty nazar.toml at `sourcePath` means.
    public static func defaults(sourcePath: String) -> DaemonConfig {
        DaemonConfig(
            sourcePath: sourcePath,
            hostname: systemHostname(),
            stateDirectory: "/var/lib/nazar",
            pluginsDirectory: ConfigPaths.resolve("plugins.d", relativeTo: sourcePath),
            searchPath: ["/usr/lib/nazar/plugins", "/usr/local/lib/nazar/plugins"],
            strictPermissions: true,
            bus: .defaults,
            storage: .defaults,
            selfMetricsInterval: .seconds(10),
            logLevel: "info",
            logTarget: .auto
        )
    }
}
