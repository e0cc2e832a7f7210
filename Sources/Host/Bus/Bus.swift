/// The bus between plugin instances. Points travel by topic `metrics.<host>.<metric>`,
/// alerts by `alerts.<severity>.<rule>`; subscribers bind with patterns where `*` is one
/// word and `#` zero or more (RabbitMQ topic-exchange semantics, so the embedded and the
/// broker backend route identically).
public protocol Bus: AnyObject, Sendable {
    /// The series every point refers to.
    var registry: SeriesRegistry { get }

    /// Adds a points subscriber; its queue is bounded by the bus settings.
    func subscribePoints(name: String, patterns: [BindingPattern]) -> PointQueue

    /// Adds an alerts subscriber.
    func subscribeAlerts(name: String, patterns: [BindingPattern]) -> AlertQueue

    /// Removes a subscriber's routes and closes its queue.
    func unsubscribe(name: String)

    /// Routes points to every matching subscriber. Returns the number of point copies
    /// dropped by full queues (0 when all were queued). May block up to the block timeout.
    func publish(_ points: UnsafeBufferPointer<BusPoint>) -> Int

    /// Routes an alert to every matching subscriber; returns how many received it.
    @discardableResult
    func publish(alert: AlertEvent) -> Int
}
