import Logging
import PluginAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One running instance of a plugin: its own worker thread, which makes every call into
/// the plugin (create, start, collect/on_points/notify, stop, destroy), so the host never
/// calls an instance concurrently — the ABI's threading promise holds by construction.
///
/// The calls go through `PluginEntryPoints`: straight into the loaded library
/// (`isolation = "none"`) or to a `nazar-plugin-host` child (`"process"`); everything
/// else here is the same for both.
public final class PluginInstance: @unchecked Sendable {
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case starting, running, failed(String), stopped
        /// A call into the plugin overran its deadline: nothing more is called on it.
        case quarantined(String)

        public var description: String {
            switch self {
            case .starting: return "starting"
            case .running: return "running"
            case let .failed(why): return "failed: \(why)"
            case .stopped: return "stopped"
            case let .quarantined(why): return "quarantined: \(why)"
            }
        }
    }

    public let config: PluginInstanceConfig
    public let descriptor: PluginDescriptor
    public var stats: InstanceStats { context.stats }
    public var name: String { config.name }

    let context: InstanceContext
    private let bus: any Bus
    private let batchSize: Int
    private let logger: Logger
    private let lock = ConditionLock()
    private var currentState: State = .starting
    private var stopRequested = false
    private var finished = false
    /// Marks calls in flight and counts them.
    private let tracker: CallTracker
    /// The plugin's entry points, in this process or in a child.
    let entryPoints: any PluginEntryPoints
    // Set by the worker once the plugin started; read by stop() and self-metrics.
    private var pointQueueStorage: PointQueue?
    var pointQueue: PointQueue? { lock.withLock { pointQueueStorage } }
    /// Notifiers: the outbox feed their worker delivers from (the alert manager routes to it).
    let delivery: NotifierDelivery?

    /// `delivery` is required for notifiers (without it a notifier delivers nothing).
    init(config: PluginInstanceConfig, descriptor: PluginDescriptor, bus: any Bus, alertBook: AlertBook,
         hostname: String, stateDirectory: String, batchSize: Int, delivery: NotifierDelivery? = nil, logger: Logger,
         strictPermissions: Bool = true, restartPolicy: RestartPolicy = .standard) {
        self.config = config
        self.delivery = delivery
        self.descriptor = descriptor
        self.bus = bus
        self.batchSize = max(1, batchSize)
        var l = logger
        l[metadataKey: "nazar_plugin"] = "\(config.name)"
        self.logger = l
        context = InstanceContext(name: config.name, pluginName: descriptor.name, logger: l, bus: bus,
                                  alertBook: alertBook, hostname: hostname, stateDirectory: stateDirectory,
                                  configPath: config.file)
        tracker = CallTracker(stats: context.stats)
        switch config.isolation {
        case .none:
            entryPoints = InProcessEntryPoints(descriptor: descriptor, handle: context.handle, registry: bus.registry,
                                               batchCapacity: self.batchSize)
        case .process:
            entryPoints = IsolatedEntryPoints(descriptor: descriptor, config: config, context: context,
                                              registry: bus.registry, strictPermissions: strictPermissions,
                                              policy: restartPolicy)
        }
    }

    public var state: State { lock.withLock { currentState } }

    /// Point queue counters (detectors), for self-metrics.
    public var queueCounters: PointQueue.Counters? { pointQueue?.counters }

    /// Starts the worker and waits until the plugin's create() and start() returned.
    /// Returns the resulting state (.running or .failed).
    @discardableResult
    public func start() -> State {
        let started = WorkerThread.start(name: "nz-\(config.name)") { [self] in run() }
        if !started {
            setState(.failed("cannot create a worker thread"))
            finish()
        }
        // create() and start() get the same deadline as any call: a plugin that hangs in
        // them must not keep the daemon from becoming ready.
        let deadline = monotonicNanoseconds() + config.callTimeout.nanoseconds
        let timedOut = lock.withLock {
            while currentState == .starting {
                if !lock.wait(.second, untilMonotonicNanoseconds: deadline) && currentState == .starting { return true }
            }
            return false
        }
        if timedOut { _ = quarantineIfHung(now: .max) }
        return state
    }

    /// If the call in flight has run longer than the instance's call timeout (or `now` is
    /// `.max`, meaning "whatever is in flight"), quarantine the instance and return a
    /// description of what hung. The worker thread stays inside the plugin; when (if) the
    /// call returns, it exits without calling the plugin again.
    public func quarantineIfHung(now: Int64 = coarseMonotonicNanoseconds()) -> String? {
        // An isolated plugin's hang kills and restarts its child instead.
        guard !entryPoints.enforcesCallTimeout, let (call, started) = tracker.inFlight else { return nil }
        let limit = config.callTimeout.nanoseconds
        guard now == .max || now - started > limit else { return nil }
        let ms = (coarseMonotonicNanoseconds() - started) / 1_000_000
        let why = "\(call) has not returned after \(ms) ms (call_timeout \(config.callTimeout))"
        let changed: Bool = lock.withLock {
            if case .quarantined = currentState { return false }
            if case .stopped = currentState { return false }
            currentState = .quarantined(why)
            stopRequested = true
            lock.broadcast(.first)
            lock.broadcast(.second)
            return true
        }
        guard changed else { return nil }
        context.accepting.store(false, ordering: .relaxed)
        bus.unsubscribe(name: config.name)
        logger.error("instance quarantined: \(why)", metadata: [
            "nazar_event": "plugin_hung", "nazar_call": "\(call)", "nazar_plugin_file": "\(descriptor.path)",
        ])
        return why
    }

    /// True once the instance failed while listed as running (an isolated plugin that
    /// crashed too often); a reload starts it anew.
    public var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    public var isQuarantined: Bool {
        if case .quarantined = state { return true }
        return false
    }

    /// Asks the worker to stop, then waits up to `timeout` for the plugin's stop() and
    /// destroy() to return. Returns false if the plugin did not finish in time (it keeps
    /// its thread; nothing else is called on it).
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) -> Bool {
        context.accepting.store(false, ordering: .relaxed)
        entryPoints.interrupt()
        lock.withLock {
            stopRequested = true
            lock.broadcast(.first)
        }
        bus.unsubscribe(name: config.name)
        pointQueue?.wake()
        delivery?.close()
        // A quarantined worker is stuck inside the plugin: waiting for it only delays the rest.
        let deadline = isQuarantined ? 0 : monotonicNanoseconds() + timeout.nanoseconds
        let done = lock.withLock {
            while !finished {
                if !lock.wait(.second, untilMonotonicNanoseconds: deadline) && !finished { return false }
            }
            return true
        }
        if !done { entryPoints.abandon() }
        if !done && !isQuarantined {
            logger.error("instance did not stop within \(timeout)", metadata: ["nazar_event": "instance_stop_timeout"])
        }
        return done
    }

    private var isStopRequested: Bool { lock.withLock { stopRequested } }

    private func setState(_ s: State) {
        lock.withLock {
            if case .quarantined = currentState { return }
            currentState = s
            lock.broadcast(.second)
        }
    }

    private func finish() {
        lock.withLock {
            finished = true
            if case .running = currentState { currentState = .stopped }
            lock.broadcast(.second)
        }
    }

    // MARK: - Worker

    private func run() {
        let error = ErrorBuffer()
        let plugin = entryPoints
        let rc = inFlight(.create) { plugin.create(configJSON: config.configJSON, error: error) }
        if isQuarantined { return }  // create() came back after its deadline: leave it alone
        if rc != NAZAR_OK {
            fail("create failed: \(error.message(orDefault: "code \(rc)"))")
            finish()
            return
        }
        error.reset()
        let src = inFlight(.start) { plugin.start(error: error) }
        if isQuarantined { return }
        if src != NAZAR_OK {
            context.accepting.store(false, ordering: .relaxed)
            plugin.destroy()
            fail("start failed: \(error.message(orDefault: "code \(src)"))")
            finish()
            return
        }
        lock.withLock {
            switch descriptor.kind {
            case .collector: break
            case .detector: pointQueueStorage = bus.subscribePoints(name: config.name, patterns: patterns())
            case .notifier: break  // fed by the alert manager's outbox, not by the bus
            }
        }
        setState(.running)
        logger.info("instance started", metadata: [
            "nazar_event": "instance_started", "nazar_plugin_file": "\(descriptor.path)",
            "nazar_plugin_version": "\(descriptor.version)", "nazar_kind": "\(descriptor.kind)",
            "nazar_isolation": "\(config.isolation.rawValue)",
        ])

        switch descriptor.kind {
        case .collector: runCollector(error)
        case .detector: runDetector(error)
        case .notifier: runNotifier(error)
        }

        context.accepting.store(false, ordering: .relaxed)
        if isQuarantined {
            // The late call returned; the plugin is not trusted with stop/destroy either.
            logger.notice("quarantined instance's call returned; its worker exits", metadata: ["nazar_event": "plugin_hung_returned"])
            finish()
            return
        }
        if let why = plugin.failure {
            bus.unsubscribe(name: config.name)
            plugin.destroy()  // releases the last child, if any
            fail(why)
            finish()
            return
        }
        inFlight(.stop) { plugin.stop() }
        inFlight(.destroy) { plugin.destroy() }
        logger.info("instance stopped", metadata: ["nazar_event": "instance_stopped"])
        finish()
    }

    /// Whether the worker should leave its loop: a stop was asked for, or the plugin can
    /// no longer be called.
    private var mustLeave: Bool { isStopRequested || entryPoints.failure != nil }

    private func fail(_ why: String) {
        logger.error("instance failed: \(why)", metadata: ["nazar_event": "instance_failed", "nazar_plugin_file": "\(descriptor.path)"])
        setState(.failed(why))
    }

    private func patterns() -> [BindingPattern] {
        config.subscribe.compactMap { try? BindingPattern($0) }
    }

    /// A lifecycle call (create, start, stop, destroy): in flight for the supervisor, not counted.
    @inline(__always)
    private func inFlight<R>(_ call: PluginCall, _ body: () -> R) -> R {
        tracker.run(call, count: false, body)
    }

    /// A work call (collect, on_points, notify): in flight, counted, sampled for latency.
    @inline(__always)
    private func timed(_ call: PluginCall, _ body: () -> Int32) -> Int32 {
        tracker.run(call, failed: { $0 != NAZAR_OK }, body)
    }

    private func runCollector(_ error: ErrorBuffer) {
        let plugin = entryPoints
        let interval = max(config.interval.nanoseconds, 1_000_000)
        var next = monotonicNanoseconds()
        while true {
            let stop = lock.withLock {
                while !stopRequested && monotonicNanoseconds() < next {
                    lock.wait(.first, untilMonotonicNanoseconds: next)
                }
                return stopRequested
            }
            if stop || plugin.failure != nil { return }
            error.reset()
            let now = wallClockNanoseconds()
            let rc = timed(.collect) { plugin.collect(now: now, error: error) }
            if rc != NAZAR_OK {
                context.warnLimited("collect failed: \(error.message(orDefault: "code \(rc)"))", event: "collect_failed")
            }
            next += interval
            let m = monotonicNanoseconds()
            if next <= m {
                // Overran one or more ticks: skip them rather than firing a burst.
                let missed = (m - next) / interval + 1
                next += missed * interval
                logger.debug("collect overran \(missed) interval(s)", metadata: ["nazar_event": "collect_overrun"])
            }
        }
    }

    private func runDetector(_ error: ErrorBuffer) {
        guard let queue = pointQueue else { return }
        let plugin = entryPoints
        let scratch = UnsafeMutablePointer<BusPoint>.allocate(capacity: batchSize)
        defer { scratch.deallocate() }
        while true {
            let n = queue.pop(into: scratch, max: batchSize, untilMonotonicNanoseconds: monotonicNanoseconds() + 1_000_000_000)
            if mustLeave { return }
            if n == 0 {
                if queue.isClosed { return }
                plugin.idle()
                continue
            }
            error.reset()
            let rc = timed(.onPoints) { plugin.onPoints(scratch, count: n, error: error) }
            context.stats.pointsDelivered.add(UInt64(n), ordering: .relaxed)
            queue.markCompleted(n)
            if rc != NAZAR_OK {
                context.warnLimited("on_points failed: \(error.message(orDefault: "code \(rc)"))", event: "on_points_failed")
            }
        }
    }

    /// Delivers the outbox's notifications one at a time, oldest first, on this thread;
    /// `NotifierDelivery` decides about retries and permanent failures (an isolated
    /// plugin whose child died mid-call answers NAZAR_RETRY, so the entry is retried).
    private func runNotifier(_ error: ErrorBuffer) {
        guard let delivery else { return }
        let plugin = entryPoints
        while !mustLeave {
            // Once leased it is tried even if a stop came meanwhile: the call is bounded by
            // call_timeout, and an entry left leased would hold up the instance's successor.
            guard let pending = delivery.next() else {
                plugin.idle()
                continue
            }
            error.reset()
            let rc = timed(.notify) { plugin.notify(pending.notification.alert, error: error) }
            if rc == NAZAR_OK { context.stats.alertsDelivered.add(1, ordering: .relaxed) }
            delivery.complete(pending, rc: rc, message: rc == NAZAR_OK ? "" : error.message(orDefault: "code \(rc)"),
                              retryAfterMilliseconds: error.retryAfterMilliseconds)
        }
    }
}

/// The host-owned error buffer handed to plugin calls (nazar_error).
final class ErrorBuffer {
    static let capacity = 1024
    let storage = UnsafeMutablePointer<CChar>.allocate(capacity: ErrorBuffer.capacity)
    let pointer = UnsafeMutablePointer<nazar_error>.allocate(capacity: 1)

    init() { reset() }

    deinit {
        storage.deallocate()
        pointer.deallocate()
    }

    func reset() {
        storage[0] = 0
        pointer.initialize(to: nazar_error(struct_size: UInt32(MemoryLayout<nazar_error>.size),
                                           message_capacity: UInt32(ErrorBuffer.capacity),
                                           message: storage, retry_after_ms: 0))
    }

    func message(orDefault fallback: String) -> String {
        storage[ErrorBuffer.capacity - 1] = 0  // a plugin may have filled it without a NUL
        let s = String(decoding: UnsafeRawBufferPointer(start: storage, count: strlen(storage)), as: UTF8.self)
        return s.isEmpty ? fallback : s
    }

    var retryAfterMilliseconds: Int64 { max(0, pointer.pointee.retry_after_ms) }
}

extension AlertEvent {
    /// Calls `body` with a C view of the alert whose strings live for the call.
    func withCAlert<R>(_ body: (UnsafePointer<nazar_alert>) -> R) -> R {
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar>? {
            guard let p = strdup(s) else { return nil }
            owned.append(p)
            return UnsafePointer(p)
        }
        let cLabels = labels.map { nazar_label(key: c($0.0), value: c($0.1)) }
        return cLabels.withUnsafeBufferPointer { lp in
            var a = nazar_alert()
            a.struct_size = UInt32(MemoryLayout<nazar_alert>.size)
            a.severity = severity.rawValue
            a.state = state.rawValue
            a.label_count = UInt32(lp.count)
            a.rule = c(rule)
            a.labels = lp.baseAddress
            a.summary = c(summary)
            a.value = value
            a.score = score
            a.timestamp_ns = timestamp
            a.starts_at_ns = startsAt
            a.fingerprint = fingerprint
            a.source = c(source)
            return withUnsafePointer(to: &a) { body($0) }
        }
    }
}
