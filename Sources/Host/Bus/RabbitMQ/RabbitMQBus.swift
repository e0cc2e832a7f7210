import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Why the RabbitMQ bus could not be set up; names the setting or file at fault.
public struct RabbitMQBusError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// The bus over a RabbitMQ broker, with the embedded bus's semantics: the same topics
/// (`metrics.<host>.<metric>`, `alerts.<severity>.<rule>`), the same binding patterns
/// (topic-exchange rules), points delivered to the same `PointQueue`s.
///
/// - Publishing: `publish` encodes the batch into messages grouped by routing key
///   (`WireFormat`) and returns once the broker confirmed them or they are on disk in the
///   spool (see `BrokerPublisher`). It never waits for a broker that is down.
/// - Subscribing: every local subscriber gets a durable queue `nazar.<host>.<instance>`
///   bound with its patterns and a consumer thread with its own connection
///   (`BrokerConsumer`); points published here reach local subscribers through the
///   broker too, so a plugin cannot tell which backend runs.
/// - Threading: every method may be called from any thread. Connections are never shared
///   between threads (librabbitmq is not thread-safe).
public final class RabbitMQBus: Bus, @unchecked Sendable {
    public let registry: SeriesRegistry
    public let settings: BusSettings
    public let hostname: String
    public let endpoints: [BrokerEndpoint]
    let credentials: BrokerCredentials
    private let logger: Logger
    private let publisher: BrokerPublisher
    private let encodeLock = ConditionLock()
    private let encoder: PointsEncoder
    private var messages: [PointsEncoder.Message] = []
    private let lock = ConditionLock()
    /// By broker queue name (a subscriber may have a points and an alerts queue).
    private var consumers: [String: (consumer: BrokerConsumer, points: PointQueue?, alerts: AlertQueue?)] = [:]

    private static func consumerKey(_ name: String, alerts: Bool) -> String { (alerts ? "alerts " : "points ") + name }
    private var closed = false

    /// Reads credentials, opens the spool and starts the publisher thread; does not wait
    /// for the broker (a broker that is down means spooling, not a failed start).
    public init(settings: BusSettings, registry: SeriesRegistry, hostname: String, stateDirectory: String,
                environment: [String: String], logger: Logger) throws(RabbitMQBusError) {
        self.settings = settings
        self.registry = registry
        self.hostname = hostname
        let r = settings.rabbitmq
        var parsed: [BrokerEndpoint] = []
        for u in r.urls {
            do throws(BrokerEndpoint.ParseError) { parsed.append(try BrokerEndpoint(parsing: u)) } catch {
                throw RabbitMQBusError(message: "bus.rabbitmq.urls: \(error)")
            }
        }
        guard !parsed.isEmpty else { throw RabbitMQBusError(message: "bus.rabbitmq.urls: no broker URL") }
        endpoints = parsed
        credentials = try Self.credentials(settings: r, endpoints: parsed, environment: environment)
        var l = logger
        l[metadataKey: "nazar_bus"] = "rabbitmq"
        self.logger = l
        let spoolDirectory = r.spoolDirectory.hasPrefix("/") ? r.spoolDirectory : "\(stateDirectory)/\(r.spoolDirectory)"
        let spool: DiskSpool
        do throws(SpoolError) {
            spool = try DiskSpool(directory: spoolDirectory, maxBytes: r.spoolMaxBytes, policy: r.spoolPolicy)
        } catch {
            throw RabbitMQBusError(message: "bus.rabbitmq.spool_directory: \(error)")
        }
        encoder = PointsEncoder(registry: registry, maxPointsPerMessage: r.pointsPerMessage)
        publisher = BrokerPublisher(settings: r, endpoints: parsed, credentials: credentials, spool: spool, logger: l)
        guard publisher.start() else { throw RabbitMQBusError(message: "cannot start the bus publisher thread") }
    }

    /// Credentials, in order: `credentials_file`, `$CREDENTIALS_DIRECTORY/rabbitmq`
    /// (systemd LoadCredential=), the first URL's user:password, guest:guest.
    static func credentials(settings: RabbitMQSettings, endpoints: [BrokerEndpoint],
                            environment: [String: String]) throws(RabbitMQBusError) -> BrokerCredentials {
        var file = settings.credentialsFile
        if file == nil, let dir = environment["CREDENTIALS_DIRECTORY"], access("\(dir)/rabbitmq", R_OK) == 0 {
            file = "\(dir)/rabbitmq"
        }
        if let file {
            guard let text = readSmallFile(file) else {
                throw RabbitMQBusError(message: "bus.rabbitmq.credentials_file: cannot read \(file): \(String(cString: strerror(errno)))")
            }
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw RabbitMQBusError(message: "\(file):1: expected 'user:password'")
            }
            return BrokerCredentials(user: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
        }
        if let e = endpoints.first, let user = e.user {
            return BrokerCredentials(user: user, password: e.password ?? "")
        }
        return BrokerCredentials(user: "guest", password: "guest")
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65_536 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What the bus is doing now.
    public var state: BrokerBusState { publisher.state }

    /// Called from the publisher thread (no lock held) after each state change.
    public func onStateChange(_ body: @escaping @Sendable (BrokerBusState) -> Void) { publisher.onStateChange = body }

    /// The durable queue of a local subscriber.
    /// The durable queue of a subscriber. Points and alerts get separate queues (".alerts"
    /// for the latter): one subscriber, such as storage, may take both, and a queue bound
    /// to both exchanges would hand each consumer the other kind's messages.
    public func queueName(for instance: String, alerts: Bool = false) -> String {
        "nazar.\(hostname).\(instance)" + (alerts ? ".alerts" : "")
    }

    public func subscribePoints(name: String, patterns: [BindingPattern]) -> PointQueue {
        let queue = PointQueue(capacity: settings.queueCapacity, overflow: .block, blockTimeout: settings.blockTimeout)
        let consumer = BrokerConsumer(queueName: queueName(for: name), exchange: settings.rabbitmq.pointsExchange,
                                      patterns: patterns.map(\.text), target: .points(queue), settings: settings.rabbitmq,
                                      endpoints: endpoints, credentials: credentials, registry: registry, logger: logger)
        replace(queueName(for: name), with: (consumer, queue, nil))
        if !consumer.start() {
            logger.error("cannot start a consumer thread for \(name)", metadata: ["nazar_event": "bus_consumer_failed"])
        }
        return queue
    }

    public func subscribeAlerts(name: String, patterns: [BindingPattern]) -> AlertQueue {
        let queue = AlertQueue(capacity: 10_000)
        let consumer = BrokerConsumer(queueName: queueName(for: name, alerts: true), exchange: settings.rabbitmq.alertsExchange,
                                      patterns: patterns.map(\.text), target: .alerts(queue), settings: settings.rabbitmq,
                                      endpoints: endpoints, credentials: credentials, registry: registry, logger: logger)
        replace(queueName(for: name, alerts: true), with: (consumer, nil, queue))
        if !consumer.start() {
            logger.error("cannot start a consumer thread for \(name)", metadata: ["nazar_event": "bus_consumer_failed"])
        }
        return queue
    }

    /// Installs the consumer of one broker queue, stopping the one it replaces. Keyed by
    /// queue, not subscriber: one subscriber may have a points and an alerts consumer.
    private func replace(_ queue: String, with entry: (consumer: BrokerConsumer, points: PointQueue?, alerts: AlertQueue?)) {
        let old = lock.withLock { () -> (consumer: BrokerConsumer, points: PointQueue?, alerts: AlertQueue?)? in
            defer { consumers[queue] = entry }
            return consumers[queue]
        }
        if let old { stopConsumer(old) }
    }

    private func stopConsumer(_ e: (consumer: BrokerConsumer, points: PointQueue?, alerts: AlertQueue?)) {
        e.consumer.stop()
        e.points?.close()
        e.alerts?.close()
    }

    /// Stops the subscriber's consumer (its unacknowledged deliveries return to its
    /// durable queue, which stays on the broker for the next start) and closes its queue.
    public func unsubscribe(name: String) {
        let queues = [queueName(for: name), queueName(for: name, alerts: true)]
        let entries = lock.withLock {
            queues.compactMap { queue -> (consumer: BrokerConsumer, points: PointQueue?, alerts: AlertQueue?)? in
                defer { consumers[queue] = nil }
                return consumers[queue]
            }
        }
        entries.forEach(stopConsumer)
    }

    /// Returns the number of points neither confirmed by the broker nor spooled (0 unless
    /// the spool itself failed or the bus is closed).
    public func publish(_ points: UnsafeBufferPointer<BusPoint>) -> Int {
        guard !points.isEmpty else { return 0 }
        // Encoding and submitting under one lock keeps concurrent producers' batches in
        // the order they were encoded.
        let job: PublishJob = encodeLock.withLock {
            messages.removeAll(keepingCapacity: true)
            encoder.encode(points, into: &messages)
            let records = messages.map { SpoolRecord(exchange: .points, routingKey: $0.routingKey, pointCount: $0.pointCount, body: $0.body) }
            let job = PublishJob(records: records)
            publisher.submit(job)
            return job
        }
        let unroutable = points.count - job.pointCount
        return job.wait() + unroutable
    }

    /// Returns 1 when the alert was confirmed or spooled, 0 when it was lost.
    @discardableResult
    public func publish(alert: AlertEvent) -> Int {
        let job = PublishJob(records: [SpoolRecord(exchange: .alerts, routingKey: alert.topic, pointCount: 0, body: AlertCodec.encode(alert))])
        encodeLock.withLock { publisher.submit(job) }
        return job.wait() == 0 ? 1 : 0
    }

    /// Stops every consumer, then sends or spools what is queued and closes the
    /// publisher's connection. Further publishes report their points as lost.
    public func close() {
        let all = lock.withLock { () -> [(consumer: BrokerConsumer, points: PointQueue?, alerts: AlertQueue?)] in
            guard !closed else { return [] }
            closed = true
            defer { consumers.removeAll() }
            return Array(consumers.values)
        }
        for e in all { stopConsumer(e) }
        publisher.stop()
    }

    /// Gauges and counters published as `nazar.bus.*` self-metrics.
    public var selfMetrics: [(String, Double)] {
        let c = publisher.counters
        let (decodeErrors, redelivered) = lock.withLock {
            consumers.values.reduce((UInt64(0), UInt64(0))) { ($0.0 + $1.consumer.decodeErrors, $0.1 + $1.consumer.redeliveredPoints) }
        }
        return [
            ("nazar.bus.connected", c.connected ? 1 : 0),
            ("nazar.bus.confirmed_points", Double(c.confirmedPoints)),
            ("nazar.bus.spooled_points", Double(c.spooledPoints)),
            ("nazar.bus.replayed_points", Double(c.replayedPoints)),
            ("nazar.bus.lost_points", Double(c.lostPoints)),
            ("nazar.bus.spool_bytes", Double(c.spoolBytes)),
            ("nazar.bus.spool_dropped_points", Double(c.spoolDroppedPoints)),
            ("nazar.bus.connects", Double(c.reconnects)),
            ("nazar.bus.decode_errors", Double(decodeErrors)),
            ("nazar.bus.redelivered_points", Double(redelivered)),
        ]
    }
}
