/// One entry of the live stream: a batch of points sealed at one tick, or one alert
/// change. Ids are consecutive, so the ring finds an id by subtraction.
public struct StreamEvent: Sendable {
    public enum Payload: Sendable {
        case points([BusPoint])
        case alert(AlertEvent)
    }

    public let id: UInt64
    public let payload: Payload
    /// When it was sealed (monotonic ns), for the ring's age bound.
    public let sealedAt: Int64

    /// Points this event holds (0 for an alert), for the ring's size bound.
    public var pointCount: Int {
        if case let .points(p) = payload { return p.count }
        return 0
    }
}
