/// Bounds and timings of the live stream. The defaults are what `nazard` uses; tests
/// shrink them.
public struct StreamSettings: Sendable, Equatable {
    /// Points are sealed into one event this often (the SSE `points` batching).
    public var batchInterval: Duration
    /// Events older than this are dropped from the resume ring.
    public var retention: Duration
    /// Most events kept for resume.
    public var maxEvents: Int
    /// Most points kept for resume, over all events (24 bytes each).
    public var maxPoints: Int
    /// A client whose unsent bytes exceed this is disconnected as too slow.
    public var clientQueueBytes: Int
    /// A `: heartbeat` comment goes to every client this often, so proxies keep the
    /// connection and a vanished client is noticed by the failing write.
    public var heartbeatInterval: Duration

    public init(batchInterval: Duration = .milliseconds(250), retention: Duration = .seconds(60),
                maxEvents: Int = 100_000, maxPoints: Int = 1_000_000, clientQueueBytes: Int = 8 << 20,
                heartbeatInterval: Duration = .seconds(15)) {
        self.batchInterval = batchInterval
        self.retention = retention
        self.maxEvents = max(1, maxEvents)
        self.maxPoints = max(1, maxPoints)
        self.clientQueueBytes = max(1024, clientQueueBytes)
        self.heartbeatInterval = heartbeatInterval
    }
}
