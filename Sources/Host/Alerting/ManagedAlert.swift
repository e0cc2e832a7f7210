/// An alert as the manager tracks it: what the HTTP API and `firing()` show.
public struct ManagedAlert: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Held by `alerting.pending_for` before it may be notified.
        case pending
        case firing
        case resolved
    }

    /// The latest event for this series (summary and value of the last raise or the resolve).
    public var alert: AlertEvent
    public var state: State
    /// Rule + labels, as `AlertEvent.fingerprint`.
    public var fingerprint: UInt64
    /// When the detector said it started firing, ns since the epoch.
    public var startsAt: Int64
    /// When it resolved; 0 while it fires.
    public var endsAt: Int64
    /// When a notification counting it as firing was last put in the outbox; 0 if never.
    public var lastNotified: Int64
    /// Ids of the active silences that match it (empty: not silenced).
    public var silencedBy: [Int64]
    /// Notifier instances its notifications go to.
    public var receivers: [String]
    /// Not notified before this time (pending_for or cooldown); 0 when not held.
    public var holdUntil: Int64
    /// When the manager received the raise that started it (the manager's clock, ns since
    /// the epoch): with `startsAt`, how late the detector's alert reached it.
    public var receivedAt: Int64
}
