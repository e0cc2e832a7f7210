/// When a crashed `nazar-plugin-host` child is started again, and when its instance is
/// given up as failed.
///
/// Delays double from `initialBackoff` to `maximumBackoff`; a child that stayed up for
/// `healthyAfter` starts again from `initialBackoff`. `crashLimit` crashes within
/// `window` mark the instance failed (a reload, or a changed plugins.d file, starts it anew).
public struct RestartPolicy: Sendable, Equatable {
    public var initialBackoff: Duration = .milliseconds(100)
    public var maximumBackoff: Duration = .seconds(30)
    public var healthyAfter: Duration = .seconds(60)
    public var crashLimit = 5
    public var window: Duration = .seconds(60)

    public init() {}

    /// The documented defaults.
    public static let standard = RestartPolicy()
}

/// The crash history of one isolated instance: the backoff before the next start, and
/// whether it has crashed too often. Worker thread only.
struct CrashHistory {
    let policy: RestartPolicy
    private var recent: [Int64] = []
    private var nextDelay: Int64
    /// When the current child was started (monotonic ns), 0 before the first.
    var startedAt: Int64 = 0
    /// Monotonic ns before which no new child is started.
    private(set) var notBefore: Int64 = 0

    init(policy: RestartPolicy) {
        self.policy = policy
        nextDelay = policy.initialBackoff.nanoseconds
    }

    /// Records a crash at `now`; returns true when the instance has now crashed
    /// `crashLimit` times within `window`.
    mutating func record(now: Int64) -> Bool {
        total += 1
        let window = policy.window.nanoseconds
        recent.removeAll { now - $0 >= window }
        recent.append(now)
        if startedAt != 0 && now - startedAt >= policy.healthyAfter.nanoseconds {
            nextDelay = policy.initialBackoff.nanoseconds
        }
        notBefore = now + nextDelay
        nextDelay = min(nextDelay * 2, policy.maximumBackoff.nanoseconds)
        return recent.count >= policy.crashLimit
    }

    var crashesInWindow: Int { recent.count }
    /// Crashes recorded since the instance started.
    private(set) var total = 0
}
