/// One broker message kept in the disk spool while the broker is away.
public struct SpoolRecord: Equatable, Sendable {
    public enum Exchange: UInt8, Sendable { case points = 0, alerts = 1 }
    public var exchange: Exchange
    public var routingKey: String
    /// Points the message carries (0 for alerts): what a drop costs, for self-metrics.
    public var pointCount: Int
    public var body: [UInt8]

    public init(exchange: Exchange, routingKey: String, pointCount: Int, body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.pointCount = pointCount
        self.body = body
    }
}
