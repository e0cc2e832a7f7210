/// Wall-clock time for the alert manager and the delivery workers, injectable so tests can
/// drive group_wait, repeat_interval and cooldown without sleeping.
public protocol AlertingClock: Sendable {
    /// Nanoseconds since the Unix epoch.
    func now() -> Int64
}

/// The real clock (CLOCK_REALTIME).
public struct SystemAlertingClock: AlertingClock {
    public init() {}
    public func now() -> Int64 { wallClockNanoseconds() }
}
