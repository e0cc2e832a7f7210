import Synchronization

/// Counters of one plugin instance, updated from any thread without locks and read by
/// the self-metrics publisher.
public final class InstanceStats: Sendable {
    /// Points the instance published (its "in" to the bus).
    public let pointsPublished = Atomic<UInt64>(0)
    /// Point copies dropped because a subscriber queue stayed full while this instance published.
    public let publishDropped = Atomic<UInt64>(0)
    /// Points delivered to this instance (its "out" of the bus).
    public let pointsDelivered = Atomic<UInt64>(0)
    /// Alerts raised/resolved by this instance.
    public let alertsRaised = Atomic<UInt64>(0)
    /// Alerts delivered to this notifier.
    public let alertsDelivered = Atomic<UInt64>(0)
    /// Plugin calls (collect/on_points/notify) and how many returned an error.
    public let calls = Atomic<UInt64>(0)
    public let callErrors = Atomic<UInt64>(0)
    /// Isolated instances: children started again after a crash or hang.
    public let restarts = Atomic<UInt64>(0)
    /// Isolated instances: points of on_points batches in flight when the child died
    /// (delivered at most once: a batch that crashed the plugin is not fed to it again).
    public let pointsLostInCrashes = Atomic<UInt64>(0)
    /// Sum and maximum of sampled call durations in ns since the last `takeLatency()`.
    private let latencySum = Atomic<UInt64>(0)
    private let latencyCount = Atomic<UInt64>(0)
    private let latencyMax = Atomic<UInt64>(0)
    /// Total ns spent inside the sampled plugin calls since start.
    public let callNanosecondsTotal = Atomic<UInt64>(0)

    /// Counts a call and records its duration (what tests and one-off calls use).
    public func recordCall(nanoseconds: UInt64, failed: Bool) {
        countCall(failed: failed)
        recordLatency(nanoseconds: nanoseconds)
    }

    public init() {}

    /// Counts a call; returns the call's number (for sampling).
    @inline(__always)
    @discardableResult
    public func countCall(failed: Bool) -> UInt64 {
        if failed { callErrors.add(1, ordering: .relaxed) }
        return calls.add(1, ordering: .relaxed).newValue
    }

    /// Adds a measured call duration to the latency figures.
    @inline(__always)
    public func recordLatency(nanoseconds: UInt64) {
        latencySum.add(nanoseconds, ordering: .relaxed)
        latencyCount.add(1, ordering: .relaxed)
        callNanosecondsTotal.add(nanoseconds, ordering: .relaxed)
        var current = latencyMax.load(ordering: .relaxed)
        while nanoseconds > current {
            let (exchanged, original) = latencyMax.compareExchange(expected: current, desired: nanoseconds, ordering: .relaxed)
            if exchanged { break }
            current = original
        }
    }

    /// Mean and maximum call latency (ns) since the previous call, then resets them.
    public func takeLatency() -> (mean: Double, max: UInt64, count: UInt64) {
        let sum = latencySum.exchange(0, ordering: .relaxed)
        let count = latencyCount.exchange(0, ordering: .relaxed)
        let maximum = latencyMax.exchange(0, ordering: .relaxed)
        return (count == 0 ? 0 : Double(sum) / Double(count), maximum, count)
    }
}
