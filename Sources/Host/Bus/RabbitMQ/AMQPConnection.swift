import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

/// Why a broker operation failed. `kind` tells the caller what to do: reconnect later
/// (`unreachable`, `closed`, `timeout`), tell the operator (`authentication`,
/// `configuration`), or resend (`nacked`).
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable { case unreachable, authentication, closed, configuration, nacked, timeout }
    public var kind: Kind
    public var message: String
    public var description: String { message }

    init(code: Int32, buffer: [CChar]) {
        switch code {
        case Int32(NZ_AMQP_AUTH): kind = .authentication
        case Int32(NZ_AMQP_CLOSED): kind = .closed
        case Int32(NZ_AMQP_CONFIG): kind = .configuration
        case Int32(NZ_AMQP_NACKED): kind = .nacked
        case Int32(NZ_AMQP_TIMEOUT): kind = .timeout
        default: kind = .unreachable
        }
        message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// User name and password for the broker.
public struct BrokerCredentials: Sendable, Equatable {
    public var user: String
    public var password: String
    public init(user: String, password: String) { self.user = user; self.password = password }
}

/// One AMQP connection with channel 1 open. librabbitmq connections are not thread-safe:
/// an instance belongs to the thread that opened it and is never shared.
final class AMQPConnection {
    private let state: amqp_connection_state_t
    private var error = [CChar](repeating: 0, count: 512)
    /// Delivery tag of the last message published (confirm mode numbers them from 1).
    private(set) var lastPublishedTag: UInt64 = 0
    let endpoint: BrokerEndpoint

    private init(state: amqp_connection_state_t, endpoint: BrokerEndpoint) {
        self.state = state
        self.endpoint = endpoint
    }

    /// Connects, logs in and opens channel 1 (in confirm mode with `confirms`).
    static func open(_ endpoint: BrokerEndpoint, vhost: String, credentials: BrokerCredentials, settings: RabbitMQSettings,
                     confirms: Bool) throws(AMQPError) -> AMQPConnection {
        var err = [CChar](repeating: 0, count: 512)
        var klass: Int32 = 0
        let timeoutMs = Int32(clamping: settings.timeout.nanoseconds / 1_000_000)
        let heartbeat = Int32(clamping: settings.heartbeat.nanoseconds / 1_000_000_000)
        let state: amqp_connection_state_t? = withOptionalCString(settings.tlsCAFile) { ca in
            withOptionalCString(settings.tlsCertFile) { cert in
                withOptionalCString(settings.tlsKeyFile) { key in
                    var tls = nz_amqp_tls(enabled: endpoint.tls ? 1 : 0, ca_file: ca, cert_file: cert, key_file: key,
                                          verify_peer: settings.tlsVerify ? 1 : 0)
                    return nz_amqp_open(endpoint.host, Int32(endpoint.port), vhost, credentials.user, credentials.password,
                                        &tls, heartbeat, timeoutMs, confirms ? 1 : 0, &klass, &err, err.count)
                }
            }
        }
        guard let state else {
            throw AMQPError(code: klass, buffer: err)
        }
        return AMQPConnection(state: state, endpoint: endpoint)
    }

    private func check(_ code: Int32) throws(AMQPError) {
        guard code != Int32(NZ_AMQP_OK) else { return }
        throw AMQPError(code: code, buffer: error)
    }

    func declareExchange(_ name: String) throws(AMQPError) {
        try check(nz_amqp_declare_exchange(state, name, &error, error.count))
    }

    func declareQueue(_ queue: String, exchange: String, patterns: [String]) throws(AMQPError) {
        var cStrings: [UnsafePointer<CChar>?] = patterns.map { UnsafePointer(strdup($0)) }
        defer { for p in cStrings { free(UnsafeMutablePointer(mutating: p)) } }
        let code = cStrings.withUnsafeMutableBufferPointer { buf in
            nz_amqp_declare_queue(state, queue, exchange, buf.baseAddress, Int32(patterns.count), &error, error.count)
        }
        try check(code)
    }

    /// Consumers attached to an existing queue (throws `.closed` when it does not exist).
    func queueConsumers(_ queue: String) throws(AMQPError) -> Int {
        var consumers: UInt32 = 0
        var messages: UInt32 = 0
        try check(nz_amqp_queue_counts(state, queue, &consumers, &messages, &error, error.count))
        return Int(consumers)
    }

    func consume(queue: String, prefetch: Int) throws(AMQPError) {
        try check(nz_amqp_consume(state, queue, Int32(prefetch), &error, error.count))
    }

    /// Publishes one persistent message; its delivery tag becomes `lastPublishedTag`.
    func publish(exchange: String, routingKey: String, body: [UInt8], contentType: String) throws(AMQPError) {
        let code = body.withUnsafeBytes { raw in
            nz_amqp_publish(state, exchange, routingKey, raw.baseAddress, raw.count, contentType, &error, error.count)
        }
        try check(code)
        lastPublishedTag += 1
    }

    /// Waits until the broker confirmed everything published so far.
    func waitForConfirms(timeoutMilliseconds: Int) throws(AMQPError) {
        try check(nz_amqp_wait_confirms(state, lastPublishedTag, Int32(clamping: timeoutMilliseconds), &error, error.count))
    }

    /// Services heartbeats on an idle connection; throws if the broker went away.
    func tick() throws(AMQPError) { try check(nz_amqp_tick(state, &error, error.count)) }

    /// Waits up to `timeoutMilliseconds` for a delivery and hands its body to `body`
    /// (valid only during the call). Returns nil on timeout.
    func nextDelivery<R>(timeoutMilliseconds: Int, _ body: (UnsafeRawBufferPointer, UInt64, Bool) -> R) throws(AMQPError) -> R? {
        var d = nz_amqp_delivery()
        let code = nz_amqp_next(state, &d, Int32(timeoutMilliseconds), &error, error.count)
        if code == Int32(NZ_AMQP_TIMEOUT) { return nil }
        try check(code)
        defer { nz_amqp_release(&d) }
        return body(UnsafeRawBufferPointer(start: d.body, count: d.length), d.delivery_tag, d.redelivered != 0)
    }

    /// Acknowledges every delivery up to and including `tag`.
    func ack(upTo tag: UInt64) throws(AMQPError) {
        try check(nz_amqp_ack(state, tag, &error, error.count))
    }

    /// Closes politely (the broker requeues unacknowledged deliveries) or just drops the socket.
    func close(polite: Bool) { nz_amqp_close(state, polite ? 1 : 0) }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
