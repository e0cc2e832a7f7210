#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The publisher thread of the RabbitMQ bus: the only user of its connection.
///
/// Producers hand it `PublishJob`s and wait. While connected and nothing is spooled, it
/// publishes the jobs' messages (up to `confirm_batch` at a time) and finishes them when
/// the broker confirmed them. While the broker is away it appends them to the disk spool
/// (fdatasync'd) and finishes them then. When the broker returns it replays the spool
/// segment by segment, oldest first, deleting a segment only after all of it was
/// confirmed; new jobs meanwhile go to the spool's tail so order is kept. A connection
/// lost mid-batch re-spools the whole batch: the broker may see duplicates, never gaps
/// (receivers are idempotent on series + timestamp).
final class BrokerPublisher: @unchecked Sendable {
    let settings: RabbitMQSettings
    let endpoints: [BrokerEndpoint]
    let credentials: BrokerCredentials
    private let spool: DiskSpool
    private let logger: Logger
    private let lock = ConditionLock()
    private var jobs: [PublishJob] = []
    private var stopping = false
    private var stopped = false
    private var stateValue: BrokerBusState = .connecting
    private var connection: AMQPConnection?
    private var backoff: Duration
    private var nextAttempt: Int64 = 0
    private var endpointIndex = 0
    /// Called (on the publisher thread, no lock held) after every state change.
    var onStateChange: (@Sendable (BrokerBusState) -> Void)?

    // Counters for self-metrics (read under `lock`).
    private var confirmedPoints: UInt64 = 0
    private var spooledPoints: UInt64 = 0
    private var replayedPoints: UInt64 = 0
    private var lostPoints: UInt64 = 0
    private var reconnects: UInt64 = 0
    private var spoolBytes = 0
    private var spoolDropped: UInt64 = 0

    init(settings: RabbitMQSettings, endpoints: [BrokerEndpoint], credentials: BrokerCredentials, spool: DiskSpool, logger: Logger) {
        self.settings = settings
        self.endpoints = endpoints
        self.credentials = credentials
        self.spool = spool
        self.logger = logger
        backoff = settings.reconnectMin
        spoolBytes = spool.bytes
    }

    var state: BrokerBusState { lock.withLock { stateValue } }

    struct Counters: Sendable {
        var connected: Bool
        var confirmedPoints: UInt64
        var spooledPoints: UInt64
        var replayedPoints: UInt64
        var lostPoints: UInt64
        var reconnects: UInt64
        var spoolBytes: Int
        var spoolDroppedPoints: UInt64
    }

    var counters: Counters {
        lock.withLock {
            Counters(connected: stateValue == .connected || stateValue == .replaying, confirmedPoints: confirmedPoints,
                     spooledPoints: spooledPoints, replayedPoints: replayedPoints, lostPoints: lostPoints,
                     reconnects: reconnects, spoolBytes: spoolBytes, spoolDroppedPoints: spoolDropped)
        }
    }

    func start() -> Bool { WorkerThread.start(name: "nz-bus-publish") { [self] in run() } }

    /// Queues a job; the caller then waits on it.
    func submit(_ job: PublishJob) {
        lock.withLock {
            guard !stopped else { job.finish(lost: job.pointCount); return }
            jobs.append(job)
            lock.signal(.first)
        }
    }

    /// Finishes what is queued (to the broker or the spool) and closes the connection.
    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast(.first)
            while !stopped { lock.wait(.second, untilMonotonicNanoseconds: .max) }
        }
    }

    private func setState(_ s: BrokerBusState, _ message: String, level: Logger.Level = .notice) {
        let changed = lock.withLock { () -> Bool in
            defer { stateValue = s }
            return stateValue != s
        }
        guard changed else { return }
        let event: String
        switch s {
        case .connecting: event = "bus_connecting"
        case .connected: event = "bus_connected"
        case .spooling: event = "bus_spooling"
        case .replaying: event = "bus_replaying"
        case .authFailed: event = "bus_auth_failed"
        }
        logger.log(level: level, "\(message)", metadata: ["nazar_event": "\(event)"])
        onStateChange?(s)
    }

    // MARK: - Thread

    private func run() {
        while true {
            let (batch, stop) = takeJobs()
            if connection == nil && (monotonicNanoseconds() >= nextAttempt || stop) {
                connect(finalAttempt: stop)
            }
            if connection != nil && !spool.isEmpty {
                // Keep order: anything new waits behind what is spooled.
                spoolJobs(batch)
                replaySegment()
            } else if let c = connection {
                if batch.isEmpty {
                    // Idle: librabbitmq only sends heartbeats inside calls; without this
                    // the broker would drop a quiet agent's connection.
                    do throws(AMQPError) { try c.tick() } catch { dropConnection(error) }
                }
                publishJobs(batch)
            } else {
                spoolJobs(batch)
            }
            if stop && lock.withLock({ jobs.isEmpty }) {
                connection?.close(polite: true)
                connection = nil
                lock.withLock {
                    stopped = true
                    spoolBytes = spool.bytes
                    for j in jobs { j.finish(lost: j.pointCount) }
                    jobs.removeAll()
                    lock.broadcast(.second)
                }
                return
            }
        }
    }

    /// Takes every queued job, waiting while there is nothing to do.
    private func takeJobs() -> ([PublishJob], Bool) {
        lock.withLock {
            while jobs.isEmpty && !stopping {
                let replayDue = connection != nil && !spool.isEmpty
                let connectDue = connection == nil && monotonicNanoseconds() >= nextAttempt
                if replayDue || connectDue { break }
                let until = connection == nil ? nextAttempt : monotonicNanoseconds() + 1_000_000_000
                lock.wait(.first, untilMonotonicNanoseconds: until)
            }
            let taken = jobs
            jobs.removeAll(keepingCapacity: true)
            return (taken, stopping)
        }
    }

    private func connect(finalAttempt: Bool) {
        var lastError: AMQPError? = nil
        for k in 0..<endpoints.count {
            let endpoint = endpoints[(endpointIndex + k) % endpoints.count]
            do throws(AMQPError) {
                let c = try AMQPConnection.open(endpoint, vhost: settings.vhost, credentials: credentials, settings: settings, confirms: true)
                try c.declareExchange(settings.pointsExchange)
                try c.declareExchange(settings.alertsExchange)
                connection = c
                endpointIndex = (endpointIndex + k) % endpoints.count
                backoff = settings.reconnectMin
                lock.withLock { reconnects &+= 1 }
                if spool.isEmpty {
                    setState(.connected, "bus connected to \(endpoint) (vhost \(settings.vhost))")
                } else {
                    setState(.replaying, "bus connected to \(endpoint); replaying \(spool.bytes) spooled bytes")
                }
                return
            } catch {
                lastError = error
            }
        }
        nextAttempt = monotonicNanoseconds() + backoff.nanoseconds
        backoff = min(backoff * 2, settings.reconnectMax)
        guard let lastError else { return }
        if lastError.kind == .authentication || lastError.kind == .configuration {
            setState(.authFailed, "bus: the broker refused us: \(lastError.message); spooling to \(spool.directory)", level: .error)
        } else if !finalAttempt {
            setState(.spooling, "bus: broker unreachable (\(lastError.message)); spooling to \(spool.directory), retrying with backoff",
                     level: .warning)
        }
    }

    private func dropConnection(_ error: AMQPError) {
        connection?.close(polite: false)
        connection = nil
        nextAttempt = monotonicNanoseconds() + backoff.nanoseconds
        setState(.spooling, "bus: lost the broker (\(error.message)); spooling to \(spool.directory)", level: .warning)
    }

    /// Publishes records in confirm batches; returns false (and drops the connection) on failure.
    private func send(_ records: ArraySlice<SpoolRecord>) -> Bool {
        guard let c = connection else { return false }
        var i = records.startIndex
        while i < records.endIndex {
            let end = min(i + settings.confirmBatch, records.endIndex)
            do throws(AMQPError) {
                for r in records[i..<end] {
                    let points = r.exchange == .points
                    try c.publish(exchange: points ? settings.pointsExchange : settings.alertsExchange, routingKey: r.routingKey,
                                  body: r.body, contentType: points ? WireFormat.pointsContentType : WireFormat.alertContentType)
                }
                try c.waitForConfirms(timeoutMilliseconds: Int(settings.timeout.nanoseconds / 1_000_000))
            } catch {
                dropConnection(error)
                return false
            }
            i = end
        }
        return true
    }

    private func publishJobs(_ batch: [PublishJob]) {
        guard !batch.isEmpty else { return }
        var all: [SpoolRecord] = []
        for j in batch { all.append(contentsOf: j.records) }
        if send(all[...]) {
            let n = batch.reduce(0) { $0 + $1.pointCount }
            lock.withLock { confirmedPoints &+= UInt64(n) }
            for j in batch { j.finish(lost: 0) }
        } else {
            spoolJobs(batch)
        }
    }

    private func spoolJobs(_ batch: [PublishJob]) {
        guard !batch.isEmpty else { return }
        var all: [SpoolRecord] = []
        for j in batch { all.append(contentsOf: j.records) }
        let points = batch.reduce(0) { $0 + $1.pointCount }
        do throws(SpoolError) {
            switch try spool.append(all) {
            case .stored:
                lock.withLock {
                    spooledPoints &+= UInt64(points)
                    spoolBytes = spool.bytes
                    spoolDropped = spool.droppedPoints
                }
                for j in batch { j.finish(lost: 0) }
            case .full:
                // Policy `block`: the producers keep waiting until replay makes room.
                lock.withLock {
                    jobs.insert(contentsOf: batch, at: 0)
                    spoolBytes = spool.bytes
                }
                usleep(50_000)
            }
        } catch {
            logger.error("bus: cannot spool \(points) points: \(error)", metadata: ["nazar_event": "bus_spool_failed"])
            lock.withLock { lostPoints &+= UInt64(points) }
            for j in batch { j.finish(lost: j.pointCount) }
        }
    }

    private func replaySegment() {
        do throws(SpoolError) {
            guard let (seq, records, corrupt) = try spool.oldest() else { return }
            if let corrupt {
                logger.error("bus: spool segment damaged, replaying its intact records: \(corrupt)",
                             metadata: ["nazar_event": "bus_spool_corrupt"])
            }
            setState(.replaying, "bus: replaying \(spool.bytes) spooled bytes")
            guard send(records[...]) else { return }
            try spool.remove(sequence: seq)
            let n = records.reduce(0) { $0 + $1.pointCount }
            lock.withLock {
                replayedPoints &+= UInt64(n)
                confirmedPoints &+= UInt64(n)
                spoolBytes = spool.bytes
            }
            if spool.isEmpty, let c = connection {
                setState(.connected, "bus: spool replayed; connected to \(c.endpoint)")
            }
        } catch {
            logger.error("bus: spool replay failed: \(error)", metadata: ["nazar_event": "bus_spool_failed"])
            nextAttempt = monotonicNanoseconds() + backoff.nanoseconds
        }
    }
}
