/// The host's table of firing alerts, so raising an alert that is already firing, or
/// resolving one that is not, is a no-op (the ABI promises idempotence on rule + labels).
public final class AlertBook: @unchecked Sendable {
    private let lock = ConditionLock()
    private var firing: [UInt64: AlertEvent] = [:]

    public init() {}

    /// Records a firing alert; returns the event to publish, or nil if already firing.
    public func raise(_ alert: AlertEvent) -> AlertEvent? {
        lock.withLock {
            let fp = alert.fingerprint
            if firing[fp] != nil { return nil }
            var a = alert
            a.state = .firing
            a.startsAt = a.timestamp
            firing[fp] = a
            return a
        }
    }

    /// Ends a firing alert; returns the resolved event to publish, or nil if it was not firing.
    public func resolve(_ alert: AlertEvent) -> AlertEvent? {
        lock.withLock {
            let fp = alert.fingerprint
            guard let started = firing.removeValue(forKey: fp) else { return nil }
            var a = alert
            a.state = .resolved
            a.startsAt = started.startsAt
            a.severity = started.severity
            if a.summary.isEmpty { a.summary = started.summary }
            return a
        }
    }

    public var active: [AlertEvent] { lock.withLock { Array(firing.values) } }
}
