/// What the broker bus is doing, for STATUS=, the journal and self-metrics.
public enum BrokerBusState: String, Sendable, Equatable {
    /// Not yet connected since start.
    case connecting
    /// Publishing straight to the broker with confirms.
    case connected
    /// Broker away: points go to the disk spool.
    case spooling
    /// Broker back: spooled points are being sent, in order, before new ones.
    case replaying
    /// The broker refused the credentials; spooling until they are fixed.
    case authFailed = "auth_failed"
}
