import Synchronization

/// The calls a host makes into a plugin.
public enum PluginCall: UInt8, Sendable, CustomStringConvertible {
    case none = 0, create, start, collect, onPoints, notify, stop, destroy

    public var description: String {
        switch self {
        case .none: return "(none)"
        case .create: return "create()"
        case .start: return "start()"
        case .collect: return "collect()"
        case .onPoints: return "on_points()"
        case .notify: return "notify()"
        case .stop: return "stop()"
        case .destroy: return "destroy()"
        }
    }
}

/// What the host does around every call into one plugin instance: mark it in flight (so
/// the supervisor can see a hang), count it, and time every 8th call for the latency
/// self-metrics. The in-flight mark uses the coarse clock (~5 ns in a VM, against ~30 for
/// CLOCK_MONOTONIC), so the host's share of a call stays near 10 ns.
///
/// `run` is called by the instance's one worker thread; `inFlight` from any thread.
public final class CallTracker: @unchecked Sendable {
    public let stats: InstanceStats
    private let startedAt = Atomic<Int64>(0)
    private let current = Atomic<UInt8>(0)
    /// Worker thread only.
    private var sampleCounter: UInt64 = 0

    public init(stats: InstanceStats) { self.stats = stats }

    /// Runs `body` as a call into the plugin; `count` false for lifecycle calls that are
    /// not part of the call statistics.
    @inline(__always)
    public func run<R>(_ call: PluginCall, count: Bool = true, failed: (R) -> Bool = { _ in false }, _ body: () -> R) -> R {
        current.store(call.rawValue, ordering: .relaxed)
        startedAt.store(coarseMonotonicNanoseconds(), ordering: .releasing)
        let sampled = count && sampleCounter & 7 == 0
        if count { sampleCounter &+= 1 }
        let t0 = sampled ? monotonicNanoseconds() : 0
        let result = body()
        if sampled { stats.recordLatency(nanoseconds: UInt64(max(0, monotonicNanoseconds() - t0))) }
        startedAt.store(0, ordering: .releasing)
        if count { stats.countCall(failed: failed(result)) }
        return result
    }

    /// The call in flight and when it started (coarse monotonic ns), or nil when idle.
    public var inFlight: (call: PluginCall, since: Int64)? {
        let since = startedAt.load(ordering: .acquiring)
        guard since != 0 else { return nil }
        return (PluginCall(rawValue: current.load(ordering: .relaxed)) ?? .none, since)
    }
}
