import Logging

/// Moves points and alerts from the bus into a `Storage`, on its own thread.
///
/// It subscribes to every point (`#`) and alert, pops batches into a bounded buffer and
/// writes them in transactions of up to `writeBatch` points. Bus series ids are resolved
/// to storage series once each and cached. When the database is unreachable the buffer
/// keeps filling; once full the writer stops popping, so the bus queue fills and the
/// bus's overflow policy applies (back-pressure, counted in `Counters.bufferFullWaits`).
/// It retries with exponential backoff (100 ms to 5 s) and replays the buffer; the
/// store's idempotence on (series, timestamp) makes a replay of a batch whose commit
/// outcome was unknown safe. Points are reported completed to their queue only once their
/// transaction committed, so on the RabbitMQ bus a delivery is acknowledged only after it
/// is in storage: a killed daemon's uncommitted points are redelivered, and the
/// duplicates that redelivery and publisher replays bring are absorbed by the store and
/// counted (`duplicatesIgnored`). Roll-ups and retention run on the same thread every
/// `rollupInterval`.
///
/// Threading: `start` and `stop` from one controlling thread; `counters` from any.
public final class StorageWriter: @unchecked Sendable {
    public struct Counters: Sendable, Equatable {
        public var pointsWritten: UInt64 = 0
        public var nonFiniteSkipped: UInt64 = 0
        /// Points the store already held for their (series, timestamp): bus replays.
        public var duplicatesIgnored: UInt64 = 0
        public var pointsLost: UInt64 = 0
        public var alertsWritten: UInt64 = 0
        public var writeFailures: UInt64 = 0
        /// Committed point transactions: points_written / transactions is the batch the
        /// writer managed (larger while it works off a backlog).
        public var transactions: UInt64 = 0
        public var bufferFullWaits: UInt64 = 0
        public var buffered: Int = 0
        public var connected: Bool = false
    }

    public static let subscriberName = "@storage"

    public let storage: any Storage
    private let bus: any Bus
    private let settings: StorageSettings
    private let writeBatch: Int
    private let logger: Logger
    private let flushDelay: Int64 = 100_000_000

    private let state = ConditionLock()
    private var stopRequested = false
    private var stopDeadline: Int64 = .max
    private var finished = false
    private var shared = Counters()

    private var pointQueue: PointQueue?
    private var alertQueue: AlertQueue?

    public init(storage: any Storage, bus: any Bus, settings: StorageSettings, logger: Logger, writeBatch: Int = 20_000) {
        self.storage = storage
        self.bus = bus
        self.settings = settings
        self.writeBatch = max(1, min(writeBatch, settings.bufferPoints))
        self.logger = logger
    }

    public var counters: Counters { state.withLock { shared } }

    /// Subscribes and starts the thread. False when the thread cannot be created.
    @discardableResult
    public func start() -> Bool {
        let all: BindingPattern
        do { all = try BindingPattern("#") } catch { return false }
        let points = bus.subscribePoints(name: Self.subscriberName, patterns: [all])
        let alerts = bus.subscribeAlerts(name: Self.subscriberName, patterns: [all])
        pointQueue = points
        alertQueue = alerts
        let started = WorkerThread.start(name: "nazar-storage") { [self] in
            run(points: points, alerts: alerts)
        }
        if !started {
            bus.unsubscribe(name: Self.subscriberName)
            alerts.close()
        }
        return started
    }

    /// Unsubscribes, writes what is buffered (retrying until `timeout`), runs nothing
    /// more and closes the store. Points still unwritten at the deadline are counted lost.
    public func stop(timeout: Duration = .seconds(10)) {
        guard let pointQueue, let alertQueue else { return }
        let deadline = monotonicNanoseconds() &+ timeout.nanoseconds
        state.withLock {
            stopRequested = true
            stopDeadline = deadline
            state.broadcast(.first)
        }
        bus.unsubscribe(name: Self.subscriberName)
        alertQueue.close()
        pointQueue.wake()
        state.withLock {
            while !finished {
                if !state.wait(.second, untilMonotonicNanoseconds: deadline &+ 2_000_000_000) { break }
            }
        }
        self.pointQueue = nil
        self.alertQueue = nil
    }

    // MARK: - The writer thread

    private func run(points: PointQueue, alerts: AlertQueue) {
        let loop = WriterLoop(writer: self, capacity: settings.bufferPoints, writeBatch: writeBatch)
        loop.run(points: points, alerts: alerts)
        storage.close()
        state.withLock {
            finished = true
            state.broadcast(.second)
        }
    }

    fileprivate func stopState() -> (requested: Bool, deadline: Int64) {
        state.withLock { (stopRequested, stopDeadline) }
    }

    /// Sleeps until the deadline or a stop request.
    fileprivate func pause(until deadline: Int64) {
        state.withLock {
            while !stopRequested {
                if !state.wait(.first, untilMonotonicNanoseconds: deadline) { return }
            }
        }
    }

    fileprivate func update(_ body: (inout Counters) -> Void) { state.withLock { body(&shared) } }

    fileprivate var rollupIntervalNanoseconds: Int64 { settings.rollupInterval.nanoseconds }
    fileprivate var flushDelayNanoseconds: Int64 { flushDelay }
    fileprivate var log: Logger { logger }
    fileprivate var registry: SeriesRegistry { bus.registry }
}

/// The writer thread's state: everything here is touched by that thread only.
private final class WriterLoop {
    let writer: StorageWriter
    let capacity: Int
    let writeBatch: Int
    /// The largest transaction, taken only when a backlog is waiting: SQLite rewrites
    /// every page a transaction touches into its WAL, and with points spread over many
    /// series that is a page per series per commit, so 10× the points per commit costs
    /// ≈ 40 % less CPU per point (BENCHMARKS.md, "Storage writer transactions"). Caught
    /// up, a flush is back to `writeBatch` or what arrived within the flush delay.
    let backlogBatch: Int
    let buffer: UnsafeMutablePointer<BusPoint>
    let scratch: UnsafeMutablePointer<StoredPoint>
    var count = 0
    var firstBufferedAt: Int64 = 0
    /// Bus series id → storage series id (0: not resolved yet).
    var seriesMap: [Int64] = []
    var pendingAlerts: [AlertRecord] = []
    var healthy = false
    var backoff: Int64 = 100_000_000
    var nextAttempt: Int64 = 0
    var nextMaintenance: Int64 = 0
    var reportedOutage = false
    /// The queue points are popped from; told what was committed.
    var points: PointQueue?

    init(writer: StorageWriter, capacity: Int, writeBatch: Int) {
        self.writer = writer
        self.capacity = capacity
        self.writeBatch = writeBatch
        backlogBatch = min(capacity, writeBatch * 10)
        buffer = .allocate(capacity: capacity)
        scratch = .allocate(capacity: backlogBatch)
    }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    func run(points: PointQueue, alerts: AlertQueue) {
        self.points = points
        while true {
            let (stopping, deadline) = writer.stopState()
            let now = monotonicNanoseconds()
            if count < capacity {
                var wait = now &+ 500_000_000
                if count > 0 { wait = min(wait, firstBufferedAt &+ writer.flushDelayNanoseconds) }
                if !healthy { wait = min(wait, nextAttempt) }
                if stopping { wait = now }
                let n = points.pop(into: buffer + count, max: min(capacity - count, writeBatch), untilMonotonicNanoseconds: wait)
                if n > 0 && count == 0 { firstBufferedAt = monotonicNanoseconds() }
                count += n
            } else if !healthy {
                writer.update { $0.bufferFullWaits &+= 1 }
                writer.pause(until: nextAttempt)
            }
            while pendingAlerts.count < 100_000, let a = alerts.pop(untilMonotonicNanoseconds: 0) {
                pendingAlerts.append(AlertRecord(a))
            }
            writer.update { $0.buffered = count }

            let t = monotonicNanoseconds()
            let due = count >= writeBatch || (count > 0 && t - firstBufferedAt >= writer.flushDelayNanoseconds)
                || !pendingAlerts.isEmpty || stopping
            if due && (healthy || t >= nextAttempt) {
                flush()
            } else if !healthy && t >= nextAttempt {
                // Nothing to write yet: connect anyway, so an outage shows at once and
                // maintenance can run.
                do {
                    try writer.storage.open()
                    succeeded()
                } catch {
                    failed(error)
                }
            }
            if healthy && t >= nextMaintenance {
                maintain()
                nextMaintenance = monotonicNanoseconds() &+ writer.rollupIntervalNanoseconds
            }
            if stopping {
                let drained = points.isClosed && points.counters.depth == 0
                if drained && count == 0 && pendingAlerts.isEmpty { return }
                if monotonicNanoseconds() >= deadline {
                    let lost = count + points.counters.depth
                    if lost > 0 {
                        writer.log.error("storage: \(lost) points not written before the stop deadline",
                                         metadata: ["nazar_event": "storage_points_lost"])
                        writer.update { $0.pointsLost &+= UInt64(lost) }
                    }
                    return
                }
                if !healthy { writer.pause(until: min(nextAttempt, deadline)) }
            }
        }
    }

    /// Writes pending alerts, then the points buffered when the flush began, in
    /// transactions of up to `backlogBatch`. Between two transactions it takes what arrived on the
    /// bus meanwhile (without waiting), so a long flush (a backlog after an outage or a
    /// burst) keeps the bus queue moving: publishers then wait only when this writer's own
    /// buffer is full, not for as long as the flush lasts. Those points are written by the
    /// next flush, after the loop has had its turn at alerts, maintenance and stop requests.
    func flush() {
        // Points before `written` are committed; they leave the buffer in one move at the
        // end (not one move per transaction, which grows with the backlog).
        var written = 0
        defer {
            if written > 0 {
                if written < count { buffer.update(from: buffer + written, count: count - written) }
                count -= written
                writer.update { $0.buffered = self.count }
            }
        }
        do {
            if !pendingAlerts.isEmpty {
                try writer.storage.appendAlerts(pendingAlerts)
                writer.update { $0.alertsWritten &+= UInt64(self.pendingAlerts.count) }
                pendingAlerts.removeAll(keepingCapacity: true)
            }
            let target = count
            while written < target {
                let n = min(target - written, backlogBatch)
                try resolve(from: written, count: n)
                let result = try writer.storage.write(UnsafeBufferPointer(start: scratch, count: n))
                // Committed: the bus may now acknowledge them (the broker's delivery ack).
                points?.markCompleted(n)
                written += n
                firstBufferedAt = monotonicNanoseconds()
                writer.update {
                    $0.pointsWritten &+= UInt64(n - result.nonFinite - result.duplicates)
                    $0.nonFiniteSkipped &+= UInt64(result.nonFinite)
                    $0.duplicatesIgnored &+= UInt64(result.duplicates)
                    $0.transactions &+= 1
                }
                if result.nonFinite > 0 {
                    writer.log.warning("storage: skipped \(result.nonFinite) points whose value is NaN or infinite",
                                       metadata: ["nazar_event": "storage_non_finite"])
                }
                if written < target { takeArrived() }
            }
            succeeded()
        } catch {
            failed(error)
        }
    }

    /// Appends what the bus queue holds now to the buffer, as room allows, without waiting.
    private func takeArrived() {
        guard let points, count < capacity else { return }
        count += points.pop(into: buffer + count, max: capacity - count, untilMonotonicNanoseconds: 0)
    }

    /// Fills `scratch[0..<n]` from `buffer[start..<start + n]` with storage series ids.
    private func resolve(from start: Int, count n: Int) throws(StorageError) {
        let registry = writer.registry
        for i in 0..<n {
            let p = buffer[start + i]
            let bus = Int(p.series)
            if bus >= seriesMap.count { seriesMap.append(contentsOf: repeatElement(0, count: bus + 1 - seriesMap.count + 1024)) }
            var id = seriesMap[bus]
            if id == 0 {
                let labels = registry.labels(of: p.series).map { StoredSeries.Label($0.0, $0.1) }
                id = try writer.storage.seriesID(metric: registry.name(of: p.series), labels: labels)
                seriesMap[bus] = id
            }
            scratch[i] = StoredPoint(series: id, timestamp: p.timestamp, value: p.value)
        }
    }

    private func succeeded() {
        if !healthy || reportedOutage {
            if reportedOutage {
                writer.log.notice("storage: \(writer.storage.backendName) reachable again, buffer replayed",
                                  metadata: ["nazar_event": "storage_recovered"])
            }
            reportedOutage = false
        }
        healthy = true
        backoff = 100_000_000
        writer.update { $0.connected = true }
    }

    private func failed(_ error: StorageError) {
        healthy = false
        writer.update {
            $0.writeFailures &+= 1
            $0.connected = false
        }
        if !error.isTransient && !pendingAlerts.isEmpty {
            // A refused alert batch would block everything behind it forever.
            writer.log.error("storage: dropping \(pendingAlerts.count) alerts the store refused: \(error)",
                             metadata: ["nazar_event": "storage_alerts_refused"])
            pendingAlerts.removeAll()
        }
        if !reportedOutage {
            writer.log.error("storage: \(error); buffering up to \(capacity) points and retrying",
                             metadata: ["nazar_event": "storage_unavailable"])
            reportedOutage = true
        }
        nextAttempt = monotonicNanoseconds() &+ backoff
        backoff = min(backoff * 2, 5_000_000_000)
    }

    private func maintain() {
        do {
            try writer.storage.maintain(now: wallClockNanoseconds())
        } catch {
            writer.log.warning("storage: roll-up or retention failed: \(error)", metadata: ["nazar_event": "storage_maintenance_failed"])
            if error.isTransient { failed(error) }
        }
    }
}
