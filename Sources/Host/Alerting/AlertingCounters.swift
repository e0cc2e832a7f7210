import Synchronization

/// The alerting side's self-metrics (`nazar.alerting.*`), shared by the manager and every
/// delivery worker; relaxed atomics, read by the self-metrics publisher.
public final class AlertingCounters: Sendable {
    /// Alerts (firing or resolved) the manager received from the bus.
    public let received = Atomic<UInt64>(0)
    /// Group notifications put in the outbox.
    public let enqueued = Atomic<UInt64>(0)
    /// notify() calls that returned NAZAR_OK.
    public let delivered = Atomic<UInt64>(0)
    /// Attempts that will be retried (NAZAR_RETRY, or a host-side failure).
    public let retries = Atomic<UInt64>(0)
    /// Notifications that failed for good (NAZAR_ERROR, max_attempts, max_age).
    public let notifyFailed = Atomic<UInt64>(0)
    /// Notifications not sent because every alert in them was silenced.
    public let silenced = Atomic<UInt64>(0)
    /// Outbox writes that failed and wait in memory for the store to come back.
    public let enqueueFailures = Atomic<UInt64>(0)

    public init() {}
}
