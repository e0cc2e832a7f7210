/// The live stream's core: subscribes to every point and alert on the bus, seals points
/// every `batchInterval` (and each alert at once) into numbered events kept in a bounded
/// ring, and fans them out to connected clients.
///
/// Two threads, so a slow fan-out never holds up the bus: `nz-stream-in` only pops the
/// bus queues and appends to the ring (a copy of 24 bytes per point under the hub lock);
/// `nz-stream-out` encodes each new event once per distinct client filter and offers the
/// bytes to every client of that filter. A client that falls behind by more than
/// `clientQueueBytes` is closed (`Counters.slowDisconnects`); a heartbeat comment goes to
/// every client each `heartbeatInterval`. Points stay in publish order, alerts too;
/// between a point and an alert published together the order is not defined (the bus
/// carries them in separate queues).
///
/// Ids start at the wall clock in milliseconds when the hub is created and grow by one
/// per event, so an id from an earlier run of the server is always older than the ring
/// and resuming from it yields `reset`.
///
/// Threading: `start`/`stop` from one controlling thread; `connect`, `disconnect` and
/// `counters` from any thread.
public final class StreamHub: @unchecked Sendable {
    /// What the hub has done, for self-metrics and `/metrics`.
    public struct Counters: Sendable, Equatable {
        public var clients = 0
        public var connects: UInt64 = 0
        public var events: UInt64 = 0
        public var pointsIn: UInt64 = 0
        public var slowDisconnects: UInt64 = 0
        public var resets: UInt64 = 0
        public var retainedEvents = 0
    }

    public static let subscriberName = "@stream"

    public let settings: StreamSettings
    private let bus: any Bus
    private let lock = ConditionLock()
    private var ring: StreamRing
    private var pending: [BusPoint] = []
    private var clients: [Int: StreamClient] = [:]
    private var filters: [String: StreamFilter] = [:]
    private var nextClientID = 1
    private var stopping = false
    /// Guarded by `startLock` (start spawns threads that take `lock`).
    private let startLock = ConditionLock()
    private var started = false
    private var startedOK = false
    private var running = 0
    private var shared = Counters()
    private var pointQueue: PointQueue?
    private var alertQueue: AlertQueue?

    public init(bus: any Bus, settings: StreamSettings = StreamSettings()) {
        self.bus = bus
        self.settings = settings
        ring = StreamRing(settings: settings, firstID: UInt64(max(1, wallClockNanoseconds() / 1_000_000)))
    }

    public var counters: Counters {
        lock.withLock {
            var c = shared
            c.clients = clients.count
            c.retainedEvents = ring.count
            return c
        }
    }

    /// The id of the newest event (what a client that saw everything sends as Last-Event-ID).
    public var lastEventID: UInt64 { lock.withLock { ring.lastID } }

    /// `start()` unless it already ran (the HTTP route starts the hub with the first
    /// stream request); true when the hub runs.
    public func startIfNeeded() -> Bool {
        startLock.withLock {
            if !started {
                started = true
                startedOK = start()
            }
            return startedOK
        }
    }

    /// Subscribes to the bus and starts both threads; false when a thread cannot be created.
    @discardableResult
    public func start() -> Bool {
        guard let all = try? BindingPattern("#") else { return false }
        let points = bus.subscribePoints(name: Self.subscriberName, patterns: [all])
        let alerts = bus.subscribeAlerts(name: Self.subscriberName, patterns: [all])
        pointQueue = points
        alertQueue = alerts
        lock.withLock { running = 2 }
        let inStarted = WorkerThread.start(name: "nz-stream-in") { [self] in
            runIntake(points: points, alerts: alerts)
        }
        let outStarted = inStarted && WorkerThread.start(name: "nz-stream-out") { [self] in runFanOut() }
        if !outStarted {
            lock.withLock { running = inStarted ? 1 : 0 }
            stop()
            return false
        }
        return true
    }

    /// Unsubscribes, ends every client's stream and waits for both threads.
    public func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast(.first)
        }
        bus.unsubscribe(name: Self.subscriberName)
        alertQueue?.close()
        pointQueue?.wake()
        let all: [StreamClient] = lock.withLock {
            while running > 0 { lock.wait(.second, untilMonotonicNanoseconds: monotonicNanoseconds() &+ 100_000_000) }
            defer { clients = [:] }
            return Array(clients.values)
        }
        for c in all { c.close(.shutdown) }
        pointQueue = nil
        alertQueue = nil
    }

    /// A new subscriber. Without `lastEventID` it starts with the next event; with one it
    /// first gets the retained events after it that pass its filter, or a `reset` event
    /// when the ring no longer reaches back that far. The client's first bytes (retry
    /// hint) are already queued.
    public func connect(matchers: [LabelMatcher], includeAlerts: Bool, lastEventID: UInt64? = nil) -> StreamClient {
        lock.withLock {
            let key = StreamFilter.key(matchers: matchers, includeAlerts: includeAlerts)
            let filter = filters[key] ?? StreamFilter(matchers: matchers, includeAlerts: includeAlerts)
            filters[key] = filter
            var cursor = ring.lastID
            var reset: UInt64?
            if let last = lastEventID {
                switch ring.resumePoint(after: last) {
                case .index: cursor = last
                case .tooOld: reset = last
                }
            }
            let client = StreamClient(id: nextClientID, filter: filter, cursor: cursor, limit: settings.clientQueueBytes)
            client.pendingReset = reset
            nextClientID += 1
            client.offer(StreamEncoder.opening)
            if stopping { client.close(.shutdown) } else { clients[client.id] = client }
            shared.connects &+= 1
            lock.broadcast(.first)
            return client
        }
    }

    /// Removes a client (its HTTP response ended) and closes it.
    public func disconnect(_ client: StreamClient) {
        client.close(.disconnected)
        lock.withLock { forget(client) }
    }

    /// Lock held.
    private func forget(_ client: StreamClient) {
        guard clients.removeValue(forKey: client.id) != nil else { return }
        if !clients.values.contains(where: { $0.filterKey == client.filterKey }) { filters[client.filterKey] = nil }
    }

    // MARK: - Intake thread

    private func runIntake(points: PointQueue, alerts: AlertQueue) {
        let batch = 4096
        let scratch = UnsafeMutablePointer<BusPoint>.allocate(capacity: batch)
        defer {
            scratch.deallocate()
            lock.withLock { running -= 1; lock.broadcast(.second) }
        }
        let interval = settings.batchInterval.nanoseconds
        var nextSeal = monotonicNanoseconds() &+ interval
        while true {
            let n = points.pop(into: scratch, max: batch, untilMonotonicNanoseconds: min(nextSeal, monotonicNanoseconds() &+ 50_000_000))
            var newAlerts: [AlertEvent] = []
            while let a = alerts.pop(untilMonotonicNanoseconds: 0) { newAlerts.append(a) }
            let now = monotonicNanoseconds()
            let done: Bool = lock.withLock {
                if n > 0 {
                    pending.append(contentsOf: UnsafeBufferPointer(start: scratch, count: n))
                    shared.pointsIn &+= UInt64(n)
                }
                // Points popped before an alert are sealed before it. The bus queues points
                // and alerts separately, so across the two kinds order holds only to
                // within one batch interval; within each kind it is exact.
                var sealed: UInt64 = 0
                if !pending.isEmpty && (now >= nextSeal || !newAlerts.isEmpty || stopping) {
                    ring.append(.points(pending), now: now)
                    pending.removeAll(keepingCapacity: true)
                    sealed += 1
                }
                for a in newAlerts {
                    ring.append(.alert(a), now: now)
                    sealed += 1
                }
                if sealed > 0 {
                    shared.events &+= sealed
                    lock.broadcast(.first)
                }
                return stopping
            }
            if now >= nextSeal { nextSeal = now &+ interval }
            if done { return }
        }
    }

    // MARK: - Fan-out thread

    private func runFanOut() {
        let encoder = StreamEncoder(registry: bus.registry)
        let heartbeat = settings.heartbeatInterval.nanoseconds
        var nextHeartbeat = monotonicNanoseconds() &+ heartbeat
        defer { lock.withLock { running -= 1; lock.broadcast(.second) } }
        while true {
            // Snapshot under the lock; encode and offer outside it.
            var work: [(StreamClient, [StreamEvent])] = []
            var resets: [(StreamClient, UInt64, UInt64)] = []
            let stop: Bool = lock.withLock {
                while !stopping && !hasWork() && monotonicNanoseconds() < nextHeartbeat {
                    lock.wait(.first, untilMonotonicNanoseconds: nextHeartbeat)
                }
                if stopping { return true }
                for c in clients.values {
                    if let requested = c.pendingReset {
                        c.pendingReset = nil
                        c.cursor = ring.lastID
                        resets.append((c, ring.lastID, requested))
                        shared.resets &+= 1
                        continue
                    }
                    guard c.cursor < ring.lastID else { continue }
                    switch ring.resumePoint(after: c.cursor) {
                    case let .index(i):
                        work.append((c, (i..<ring.count).map { ring[$0] }))
                    case .tooOld:
                        // Fell behind the ring while connected (only when events arrive
                        // faster than the ring bounds allow): same as a late resume.
                        resets.append((c, ring.lastID, c.cursor))
                        shared.resets &+= 1
                    }
                    c.cursor = ring.lastID
                }
                return false
            }
            if stop { return }
            for (c, last, requested) in resets { c.offer(StreamEncoder.reset(lastID: last, requested: requested)) }
            deliver(work, encoder: encoder)
            let now = monotonicNanoseconds()
            if now >= nextHeartbeat {
                let all = lock.withLock { Array(clients.values) }
                for c in all { c.offer(StreamEncoder.heartbeat) }
                nextHeartbeat = now &+ heartbeat
            }
            reapClosed()
        }
    }

    /// Lock held: a client has a reset or events it has not seen.
    private func hasWork() -> Bool {
        clients.values.contains { $0.pendingReset != nil || $0.cursor < ring.lastID }
    }

    /// Encodes each event once per filter (clients of one filter usually share a cursor)
    /// and offers it to the clients that need it.
    private func deliver(_ work: [(StreamClient, [StreamEvent])], encoder: StreamEncoder) {
        var byEvent: [UInt64: [String: [UInt8]?]] = [:]
        for (client, events) in work {
            for event in events {
                let key = client.filterKey
                let bytes: [UInt8]?
                if let cached = byEvent[event.id]?[key] {
                    bytes = cached
                } else {
                    switch event.payload {
                    case let .points(points): bytes = encoder.points(event, points, filter: client.filter)
                    case let .alert(alert): bytes = client.filter.matches(alert: alert) ? encoder.alert(event, alert) : nil
                    }
                    byEvent[event.id, default: [:]][key] = .some(bytes)
                }
                if let bytes, !client.offer(bytes) { break }
            }
        }
    }

    /// Forgets clients closed as slow (counted) or by their consumer.
    private func reapClosed() {
        lock.withLock {
            for c in clients.values {
                guard let why = c.closeReason else { continue }
                if why == .slow { shared.slowDisconnects &+= 1 }
                forget(c)
            }
        }
    }
}
