import Host
import IngestFormat
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Why agent mode cannot start (the message names the file or setting).
public struct AgentError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}

/// Agent mode: forwards every point on the bus to a central nazard (see README.md).
///
/// Two threads: `nz-agent-encode` pops the bus queue, builds batches of up to
/// `batch_points` (or what arrived within `flush_interval`), gzips them and appends them
/// to the disk buffer; `nz-agent-send` POSTs the oldest buffered batch, deletes it once
/// the central one has it, and on failure waits with exponential backoff and jitter
/// (or the server's Retry-After). The bus is never held up by the network: a central
/// outage only grows the disk buffer, up to `buffer_max_bytes` (then the oldest batches
/// are dropped and counted).
///
/// Threading: `start`/`stop` from one controlling thread; `counters` and `statusText`
/// from any thread.
public final class AgentForwarder: @unchecked Sendable {
    public struct Counters: Sendable, Equatable {
        /// Points delivered to the central one.
        public var pointsSent: UInt64 = 0
        /// Points the central one refused (bad names, …): never resent.
        public var pointsRefused: UInt64 = 0
        /// Points lost: buffer full (oldest dropped), or a batch refused as a whole.
        public var pointsDropped: UInt64 = 0
        /// NaN/±Inf values, which the ingest API refuses, left out.
        public var nonFiniteSkipped: UInt64 = 0
        public var requestsFailed: UInt64 = 0
        /// Waiting in the disk buffer.
        public var bufferedPoints = 0
        public var bufferedBytes = 0
        /// False from a failed request until the next success.
        public var forwarding = true
        public var lastError: String?
    }

    public static let subscriberName = "@agent"

    public let settings: AgentSettings
    private let bus: any Bus
    private let buffer: ForwardBuffer
    private let sender: ForwardSender
    private let logger: Logger
    private let selfMetricsInterval: Duration

    private let state = ConditionLock()
    private var shared = Counters()
    private var stopping = false
    private var running = 0
    private var queue: PointQueue?

    /// The forwarder for `config`, or nil when `[agent] forward_to` is not set. Throws when
    /// the key file or the buffer directory cannot be used.
    public static func make(config: DaemonConfig, bus: any Bus, logger: Logger) throws(AgentError) -> AgentForwarder? {
        let settings = config.agent
        guard let url = settings.forwardTo else { return nil }
        guard let keyFile = settings.keyFile else { throw AgentError(message: "[agent] forward_to needs key_file") }
        let key = try readKey(keyFile)
        let directory = settings.bufferPath(stateDirectory: config.stateDirectory)
        let buffer: ForwardBuffer
        do {
            buffer = try ForwardBuffer(directory: directory, maxBytes: settings.bufferMaxBytes)
        } catch {
            throw AgentError(message: "[agent] buffer_directory: \(error)")
        }
        let sender: ForwardSender
        do {
            sender = try ForwardSender(baseURL: url, key: key, timeout: settings.timeout, caFile: settings.caFile)
        } catch {
            throw AgentError(message: "[agent] forward_to: \(error)")
        }
        return AgentForwarder(settings: settings, bus: bus, buffer: buffer, sender: sender, logger: logger,
                              selfMetricsInterval: config.selfMetricsInterval)
    }

    /// The first line of the key file, trimmed.
    static func readKey(_ path: String) throws(AgentError) -> String {
        guard let bytes = ForwardBuffer.read(path) else {
            throw AgentError(message: "[agent] key_file \(path): \(String(cString: strerror(errno)))")
        }
        let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let key = String(line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
        guard !key.isEmpty else { throw AgentError(message: "[agent] key_file \(path):1: empty (expected an ingest API key)") }
        return key
    }

    init(settings: AgentSettings, bus: any Bus, buffer: ForwardBuffer, sender: ForwardSender, logger: Logger,
         selfMetricsInterval: Duration) {
        self.settings = settings
        self.bus = bus
        self.buffer = buffer
        self.sender = sender
        self.logger = logger
        self.selfMetricsInterval = selfMetricsInterval
    }

    public var counters: Counters {
        var c = state.withLock { shared }
        let p = buffer.pending
        c.bufferedPoints = p.points
        c.bufferedBytes = p.bytes
        c.pointsDropped &+= buffer.dropped
        return c
    }

    /// "forwarding to URL" or "buffering N points (why)", for systemd's STATUS=.
    public var statusText: String {
        let c = counters
        if c.forwarding && c.bufferedPoints < settings.batchPoints * 4 { return "agent forwarding to \(settings.forwardTo ?? "")" }
        return "agent buffering \(c.bufferedPoints) points" + (c.lastError.map { " (\($0.prefix(80)))" } ?? "")
    }

    /// Subscribes to every point and starts both threads (before the collectors start, so
    /// their first points are forwarded). False when a thread cannot be created.
    @discardableResult
    public func start() -> Bool {
        guard let all = try? BindingPattern("#") else { return false }
        let points = bus.subscribePoints(name: Self.subscriberName, patterns: [all])
        queue = points
        let pending = buffer.pending
        if pending.batches > 0 {
            logger.notice("agent: \(pending.points) points from an earlier run wait in \(buffer.directory); sending them first",
                          metadata: ["nazar_event": "agent_replay"])
        }
        state.withLock { running = 2 }
        let encodeStarted = WorkerThread.start(name: "nz-agent-encode") { [self] in runEncoder(points) }
        let sendStarted = WorkerThread.start(name: "nz-agent-send") { [self] in runSender() }
        if !encodeStarted || !sendStarted {
            state.withLock { running = (encodeStarted ? 1 : 0) + (sendStarted ? 1 : 0) }
            stop()
            return false
        }
        return true
    }

    /// Writes what is being batched to the buffer, stops both threads (a request in flight
    /// finishes or times out) and unsubscribes. Buffered batches stay on disk for the next start.
    public func stop(timeout: Duration = .seconds(15)) {
        bus.unsubscribe(name: Self.subscriberName)
        state.withLock {
            stopping = true
            state.broadcast(.first)
        }
        queue?.wake()
        buffer.close()
        let deadline = monotonicNanoseconds() &+ timeout.nanoseconds
        state.withLock {
            while running > 0 {
                if !state.wait(.second, untilMonotonicNanoseconds: deadline) { break }
            }
        }
        queue = nil
    }

    private func finished() { state.withLock { running -= 1; state.broadcast(.second) } }
    private var isStopping: Bool { state.withLock { stopping } }

    // MARK: - Encoding thread

    private func runEncoder(_ points: PointQueue) {
        defer { finished() }
        let capacity = 4096
        let scratch = UnsafeMutablePointer<BusPoint>.allocate(capacity: capacity)
        defer { scratch.deallocate() }
        var encoder = BatchEncoder(registry: bus.registry)
        let flush = settings.flushInterval.nanoseconds
        var batchStarted: Int64 = 0
        let metricsEvery = selfMetricsInterval.nanoseconds
        var nextMetrics = monotonicNanoseconds() &+ metricsEvery
        var skipped: UInt64 = 0
        while true {
            let stop = isStopping
            let now = monotonicNanoseconds()
            var deadline = encoder.points > 0 ? batchStarted &+ flush : now &+ 500_000_000
            if metricsEvery > 0 { deadline = min(deadline, nextMetrics) }
            let n = points.pop(into: scratch, max: min(capacity, settings.batchPoints - encoder.points),
                               untilMonotonicNanoseconds: stop ? now : deadline)
            for i in 0..<n {
                if encoder.points == 0 { batchStarted = monotonicNanoseconds() }
                if !encoder.add(scratch[i]) { skipped &+= 1 }
            }
            if n > 0 { points.markCompleted(n) }
            let t = monotonicNanoseconds()
            if encoder.points >= settings.batchPoints || (encoder.points > 0 && (t >= batchStarted &+ flush || (stop && n == 0))) {
                store(encoder.finish())
            }
            if skipped > 0 {
                let s = skipped
                state.withLock { shared.nonFiniteSkipped &+= s }
                skipped = 0
            }
            if metricsEvery > 0 && t >= nextMetrics && !stop {
                publishSelfMetrics()
                nextMetrics = t &+ metricsEvery
            }
            if stop && n == 0 && encoder.points == 0 { return }
        }
    }

    /// gzip and append to the disk buffer; a batch that cannot be written is counted lost.
    private func store(_ batch: (body: [UInt8], points: Int)) {
        do {
            let gz = try batch.body.withUnsafeBytes { raw throws(GzipError) in try GzipCodec.compress(raw, level: 1) }
            let dropped = try buffer.append(gz, points: batch.points)
            if dropped > 0 {
                logger.warning("agent buffer full (\(settings.bufferMaxBytes) bytes): dropped the oldest \(dropped) points",
                               metadata: ["nazar_event": "agent_buffer_full"])
            }
            state.withLock { state.broadcast(.first) }
        } catch {
            state.withLock { shared.pointsDropped &+= UInt64(batch.points) }
            logger.error("agent: cannot buffer \(batch.points) points: \(error)", metadata: ["nazar_event": "agent_buffer_failed"])
        }
    }

    private var metricSeries: [String: UInt64] = [:]

    /// `nazar.agent.*` points on the bus (they are forwarded like every other point, so the
    /// central one sees each agent's health).
    private func publishSelfMetrics() {
        let c = counters
        let now = wallClockNanoseconds()
        let values: [(String, Double)] = [
            ("points_sent", Double(c.pointsSent)), ("points_refused", Double(c.pointsRefused)),
            ("points_dropped", Double(c.pointsDropped)), ("non_finite_skipped", Double(c.nonFiniteSkipped)),
            ("requests_failed", Double(c.requestsFailed)), ("buffered_points", Double(c.bufferedPoints)),
            ("buffered_bytes", Double(c.bufferedBytes)), ("forwarding", c.forwarding ? 1 : 0),
        ]
        var points: [BusPoint] = []
        for (name, value) in values {
            let metric = "nazar.agent.\(name)"
            if metricSeries[metric] == nil { metricSeries[metric] = try? bus.registry.intern(name: metric, labels: []) }
            if let id = metricSeries[metric] { points.append(BusPoint(series: id, timestamp: now, value: value)) }
        }
        _ = points.withUnsafeBufferPointer { bus.publish($0) }
    }

    // MARK: - Sending thread

    private func runSender() {
        defer { finished() }
        var backoff = Backoff(minimum: settings.retryMin, maximum: settings.retryMax)
        while !isStopping {
            guard let (batch, bytes) = buffer.oldest(untilMonotonicNanoseconds: monotonicNanoseconds() &+ 1_000_000_000) else {
                continue
            }
            switch sender.send(bytes) {
            case .accepted:
                buffer.remove(batch)
                delivered(batch.points, backoff: &backoff)
            case let .partlyRefused(accepted, reason):
                buffer.remove(batch)
                state.withLock { shared.pointsRefused &+= UInt64(max(0, batch.points - accepted)) }
                logger.warning("agent: central refused \(batch.points - accepted) of \(batch.points) points: \(reason)",
                               metadata: ["nazar_event": "agent_points_refused"])
                delivered(accepted, backoff: &backoff)
            case let .rejected(status, reason):
                buffer.remove(batch, countAsDropped: true)
                logger.error("agent: central rejected a batch of \(batch.points) points (HTTP \(status)); dropped: \(reason)",
                             metadata: ["nazar_event": "agent_batch_rejected"])
            case let .retry(reason, retryAfter):
                let first: Bool = state.withLock {
                    shared.requestsFailed &+= 1
                    shared.lastError = reason
                    defer { shared.forwarding = false }
                    return shared.forwarding
                }
                if first {
                    logger.warning("agent: cannot forward to \(sender.url), buffering on disk: \(reason)",
                                   metadata: ["nazar_event": "agent_buffering"])
                }
                let wait = retryAfter.map { Int64($0) * 1_000_000_000 } ?? backoff.next()
                sleep(until: monotonicNanoseconds() &+ wait)
            }
        }
    }

    private func delivered(_ points: Int, backoff: inout Backoff) {
        let recovered: Bool = state.withLock {
            shared.pointsSent &+= UInt64(points)
            defer { shared.forwarding = true; shared.lastError = nil }
            return !shared.forwarding
        }
        backoff.reset()
        if recovered {
            logger.notice("agent: central reachable again; replaying \(buffer.pending.points) buffered points",
                          metadata: ["nazar_event": "agent_forwarding"])
        }
    }

    /// Waits until the deadline or a stop.
    private func sleep(until deadline: Int64) {
        state.withLock {
            while !stopping {
                if !state.wait(.first, untilMonotonicNanoseconds: deadline) { return }
            }
        }
    }
}
