import Logging
#if canImport(Glibc)
import Glibc
#endif

/// One local subscriber's consumer thread: its own connection, a durable queue
/// `nazar.<host>.<instance>` bound with the subscriber's patterns, manual acks, prefetch.
///
/// Points: a delivery is decoded into the instance's `PointQueue` and acknowledged only
/// after the instance's worker has passed all of its points to `on_points` (the queue's
/// `completed` count says so). A consumer killed at any moment before that leaves the
/// delivery unacknowledged, and the broker redelivers it to the next consumer of the
/// queue: at-least-once, duplicates possible after a crash, no loss.
/// Alerts: acknowledged once in the instance's `AlertQueue` (the notifier outbox owns
/// delivery guarantees from there).
final class BrokerConsumer: @unchecked Sendable {
    enum Target {
        case points(PointQueue)
        case alerts(AlertQueue)
    }

    let queueName: String
    let exchange: String
    let patterns: [String]
    let target: Target
    private let settings: RabbitMQSettings
    private let endpoints: [BrokerEndpoint]
    private let credentials: BrokerCredentials
    private let registry: SeriesRegistry
    private let logger: Logger
    private let lock = ConditionLock()
    private var stopRequested = false
    private var finished = false
    private var decodeErrorsTotal: UInt64 = 0
    /// Points of deliveries the broker marked redelivered (offered before to a consumer
    /// that did not acknowledge them: a crash, a dropped connection): the at-least-once
    /// replays a subscriber must absorb.
    private var redeliveredPointsTotal: UInt64 = 0
    /// Points this consumer pushed into the local queue, across reconnects; the queue has
    /// no other producer, so comparing with its `completedCount` says what was processed.
    private var pushedTotal: UInt64 = 0

    init(queueName: String, exchange: String, patterns: [String], target: Target, settings: RabbitMQSettings,
         endpoints: [BrokerEndpoint], credentials: BrokerCredentials, registry: SeriesRegistry, logger: Logger) {
        self.queueName = queueName
        self.exchange = exchange
        self.patterns = patterns
        self.target = target
        self.settings = settings
        self.endpoints = endpoints
        self.credentials = credentials
        self.registry = registry
        var l = logger
        l[metadataKey: "nazar_queue"] = "\(queueName)"
        self.logger = l
    }

    var decodeErrors: UInt64 { lock.withLock { decodeErrorsTotal } }
    var redeliveredPoints: UInt64 { lock.withLock { redeliveredPointsTotal } }

    private var firstAttemptDone = false

    /// Starts the thread and waits (up to the broker timeout) until its queue is declared
    /// and bound, or the first attempt failed: points published after subscribing are then
    /// routed to the queue (an exchange drops messages no queue is bound for).
    func start() -> Bool {
        guard WorkerThread.start(name: "nz-bus-consume", { [self] in run() }) else { return false }
        let deadline = monotonicNanoseconds() + settings.timeout.nanoseconds
        lock.withLock {
            while !firstAttemptDone && monotonicNanoseconds() < deadline {
                lock.wait(.second, untilMonotonicNanoseconds: deadline)
            }
        }
        return true
    }

    private func attemptDone() {
        lock.withLock {
            firstAttemptDone = true
            lock.broadcast(.second)
        }
    }

    /// Stops consuming and closes the connection; unacknowledged deliveries go back to
    /// the queue. Waits for the thread.
    func stop() {
        lock.withLock {
            stopRequested = true
            while !finished { lock.wait(.second, untilMonotonicNanoseconds: .max) }
        }
    }

    private var isStopping: Bool { lock.withLock { stopRequested } }

    private let decodeWarningLimiter = RateLimiter(intervalNanoseconds: 60_000_000_000)

    private func run() {
        var backoff = settings.reconnectMin
        var endpointIndex = 0
        var complainedAuth = false
        while !isStopping {
            let endpoint = endpoints[endpointIndex % endpoints.count]
            do throws(AMQPError) {
                let c = try AMQPConnection.open(endpoint, vhost: settings.vhost, credentials: credentials, settings: settings, confirms: false)
                defer { c.close(polite: true) }
                try c.declareExchange(exchange)
                try c.declareQueue(queueName, exchange: exchange, patterns: patterns)
                try c.consume(queue: queueName, prefetch: settings.prefetch)
                attemptDone()
                backoff = settings.reconnectMin
                complainedAuth = false
                logger.info("consuming \(queueName) from \(endpoint)", metadata: ["nazar_event": "bus_consuming"])
                try consume(c)
            } catch {
                attemptDone()
                if error.kind == .authentication {
                    if !complainedAuth {
                        logger.error("bus consumer: the broker refused us: \(error.message)", metadata: ["nazar_event": "bus_auth_failed"])
                        complainedAuth = true
                    }
                } else if backoff == settings.reconnectMin {
                    // Once per outage; the retries that follow are expected and quiet.
                    logger.warning("bus consumer \(queueName): \(error.message); reconnecting", metadata: ["nazar_event": "bus_consumer_lost"])
                } else {
                    logger.debug("bus consumer \(queueName): \(error.message); retrying", metadata: ["nazar_event": "bus_consumer_retry"])
                }
                endpointIndex += 1
                let until = monotonicNanoseconds() + backoff.nanoseconds
                backoff = min(backoff * 2, settings.reconnectMax)
                lock.withLock {
                    while !stopRequested && monotonicNanoseconds() < until {
                        lock.wait(.first, untilMonotonicNanoseconds: min(until, monotonicNanoseconds() + 100_000_000))
                    }
                }
            }
        }
        lock.withLock {
            finished = true
            lock.broadcast(.second)
        }
    }

    /// Points pushed into the local queue by this consumer, and for each unacknowledged
    /// delivery the push count that completes it.
    private func consume(_ c: AMQPConnection) throws(AMQPError) {
        let decoder = PointsDecoder(registry: registry)
        var points: [BusPoint] = []
        var pending: [(tag: UInt64, end: UInt64)] = []
        while !isStopping {
            if case let .points(queue) = target {
                let completed = queue.completedCount
                // Ack every delivery whose points all went through on_points.
                var ackTag: UInt64 = 0
                var k = 0
                while k < pending.count, completed >= pending[k].end {
                    ackTag = pending[k].tag
                    k += 1
                }
                if k > 0 {
                    try c.ack(upTo: ackTag)
                    pending.removeFirst(k)
                }
                if queue.isClosed { return }
            }
            let waitMs = pending.isEmpty ? 200 : 2
            let outcome: (tag: UInt64, count: Int, error: WireFormatError?)? = try c.nextDelivery(timeoutMilliseconds: waitMs) { body, tag, redelivered in
                switch target {
                case .points:
                    points.removeAll(keepingCapacity: true)
                    do throws(WireFormatError) {
                        try decoder.decode(body, into: &points)
                        if redelivered { lock.withLock { redeliveredPointsTotal &+= UInt64(points.count) } }
                        return (tag, points.count, nil)
                    } catch {
                        return (tag, 0, error)
                    }
                case let .alerts(queue):
                    do throws(WireFormatError) {
                        queue.push(try AlertCodec.decode(body))
                        return (tag, 0, nil)
                    } catch {
                        return (tag, 0, error)
                    }
                }
            }
            guard let outcome else { continue }
            if let error = outcome.error {
                // A message we cannot read is acknowledged away (redelivering it would
                // loop forever) but counted and logged with its reason.
                lock.withLock { decodeErrorsTotal &+= 1 }
                // Counted always (self-metrics), logged at most once a minute: a queue full of
                // foreign messages must not turn into a log flood.
                if decodeWarningLimiter.allow() {
                    logger.error("bus: dropped an unreadable message from \(queueName): \(error)", metadata: ["nazar_event": "bus_decode_failed"])
                }
            }
            switch target {
            case let .points(queue):
                if outcome.error == nil && !points.isEmpty {
                    var offset = 0
                    while offset < points.count {
                        offset += points[offset...].withUnsafeBufferPointer {
                            queue.pushWaiting($0, untilMonotonicNanoseconds: monotonicNanoseconds() + 200_000_000)
                        }
                        // Unacknowledged, so the broker redelivers what did not fit.
                        if queue.isClosed || isStopping { return }
                    }
                    pushedTotal &+= UInt64(points.count)
                }
                if pending.isEmpty && outcome.error != nil {
                    try c.ack(upTo: outcome.tag)
                } else {
                    pending.append((outcome.tag, pushedTotal))
                }
            case .alerts:
                try c.ack(upTo: outcome.tag)
            }
        }
    }
}
