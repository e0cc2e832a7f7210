import Logging
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// A plugin running in a `nazar-plugin-host` child process: every entry point is a
/// message over the socketpair, answered by the same C call in the child.
///
/// A child that crashes, exits or does not answer within `call_timeout` is killed and
/// reaped; the next call (or idle tick) starts a new one after the restart backoff
/// (`RestartPolicy`) and re-creates the plugin with its config. The call that was in flight is accounted:
/// an on_points batch counts as lost (`InstanceStats.pointsLostInCrashes`; a batch that
/// crashed the plugin is not fed to it again), a notify answers NAZAR_RETRY so the alert
/// is retried, a collect counts as a failed call. Too many crashes in the window set
/// `failure`, and the instance is marked failed.
///
/// Threading: the worker thread makes every call; `interrupt()`/`abandon()` from any thread.
final class IsolatedEntryPoints: PluginEntryPoints, @unchecked Sendable {
    private let descriptor: PluginDescriptor
    private let config: PluginInstanceConfig
    private let context: InstanceContext
    private let registry: SeriesRegistry
    private let strictPermissions: Bool
    private let callTimeout: Int64
    private var history: CrashHistory
    private let writer = PluginHostMessageWriter(capacity: 64 * 1024)
    /// Series whose name and labels the current child has been sent.
    private var definedSeries = Set<UInt64>()
    private var configJSON = "{}"
    private let lock = ConditionLock()
    // Guarded by `lock`: read by interrupt()/abandon() from other threads.
    private var child: PluginHostProcess?
    private var interrupted = false
    private(set) var failure: String?

    init(descriptor: PluginDescriptor, config: PluginInstanceConfig, context: InstanceContext, registry: SeriesRegistry,
         strictPermissions: Bool, policy: RestartPolicy) {
        self.descriptor = descriptor
        self.config = config
        self.context = context
        self.registry = registry
        self.strictPermissions = strictPermissions
        callTimeout = config.callTimeout.nanoseconds
        history = CrashHistory(policy: policy)
    }

    var enforcesCallTimeout: Bool { true }

    /// The running child's pid (tests, status), or nil.
    var childPID: pid_t? { lock.withLock { child.flatMap { $0.isAlive ? $0.pid : nil } } }

    // MARK: - Lifecycle calls

    func create(configJSON: String, error: ErrorBuffer) -> Int32 {
        self.configJSON = configJSON
        let rc = launch(error: error)
        if rc != NAZAR_OK { dropChild() }
        return rc
    }

    func start(error: ErrorBuffer) -> Int32 {
        guard descriptor.raw.start != nil else { return Int32(NAZAR_OK) }
        return simpleCall(.start, error: error)
    }

    func stop() {
        guard descriptor.raw.stop != nil, currentChild?.isAlive == true else { return }
        _ = simpleCall(.stop, error: ErrorBuffer(), timeout: min(callTimeout, 10_000_000_000))
    }

    func destroy() {
        if let c = currentChild, c.isAlive {
            c.expectExit()  // the child exits by itself after destroy()
            _ = simpleCall(.destroy, error: ErrorBuffer(), timeout: min(callTimeout, 10_000_000_000))
        }
        dropChild()
    }

    func interrupt() {
        lock.withLock {
            interrupted = true
            lock.broadcast(.first)
        }
    }

    func abandon() {
        lock.withLock { child }?.kill(reason: nil)
    }

    func idle() {
        guard failure == nil else { return }
        let error = ErrorBuffer()
        if let c = currentChild {
            guard !c.isAlive else { return }
            noticeDeath(of: c, during: nil, error: error)
        }
        // Restarted now if the backoff allows; otherwise at a later idle tick or call.
        if failure == nil && monotonicNanoseconds() >= history.notBefore { _ = ensureChild(error: error) }
    }

    // MARK: - Work calls

    func collect(now: Int64, error: ErrorBuffer) -> Int32 {
        guard let c = ensureChild(error: error) else { return Int32(NAZAR_ERROR) }
        let id = c.makeID()
        writer.begin(.collect, id: id)
        writer.put(now)
        return exchange(c, id: id, call: .collect, error: error, timeout: callTimeout)
    }

    func onPoints(_ points: UnsafePointer<BusPoint>, count: Int, error: ErrorBuffer) -> Int32 {
        var done = 0
        var rc = Int32(NAZAR_OK)
        while done < count {
            guard let c = ensureChild(error: error) else {
                context.stats.pointsLostInCrashes.add(UInt64(count - done), ordering: .relaxed)
                return Int32(NAZAR_ERROR)
            }
            let n = min(count - done, PluginHostWire.pointsPerMessage)
            let chunk = points + done
            guard defineSeries(chunk, count: n, on: c) else {
                // The child died between calls: account it and start another.
                noticeDeath(of: c, during: .onPoints, error: error)
                continue
            }
            let id = c.makeID()
            writer.begin(.onPoints, id: id)
            writer.put(UInt32(n))
            for i in 0..<n {
                writer.put(chunk[i].series)
                writer.put(chunk[i].timestamp)
                writer.put(chunk[i].value)
            }
            let r = exchange(c, id: id, call: .onPoints, error: error, timeout: callTimeout)
            if lock.withLock({ child }) !== c {
                // It crashed with this chunk in flight: at most once, never fed again.
                context.stats.pointsLostInCrashes.add(UInt64(count - done), ordering: .relaxed)
                return r
            }
            if r != NAZAR_OK { rc = r }
            done += n
        }
        return rc
    }

    func notify(_ alert: AlertEvent, error: ErrorBuffer) -> Int32 {
        guard let c = ensureChild(error: error) else {
            error.pointer.pointee.retry_after_ms = max(0, (history.notBefore - monotonicNanoseconds()) / 1_000_000)
            return failure == nil ? Int32(NAZAR_RETRY) : Int32(NAZAR_ERROR)
        }
        let id = c.makeID()
        writer.begin(.notify, id: id)
        alert.withCAlert { writer.put(alert: $0) }
        let rc = exchange(c, id: id, call: .notify, error: error, timeout: callTimeout)
        // An alert in flight when the child died was not delivered: retry it, never drop it.
        return lock.withLock({ child }) === c ? rc : Int32(NAZAR_RETRY)
    }

    // MARK: - The child

    private var currentChild: PluginHostProcess? { lock.withLock { child } }

    /// The running child, starting one (after the backoff) if the last one ended; nil
    /// (with `error` filled) when none can run now.
    private func ensureChild(error: ErrorBuffer) -> PluginHostProcess? {
        if let failure {
            error.set("instance failed: \(failure)")
            return nil
        }
        if let c = currentChild {
            if c.isAlive { return c }
            noticeDeath(of: c, during: nil, error: error)
            if failure != nil { return nil }
        }
        let ready = lock.withLock {
            while !interrupted && monotonicNanoseconds() < history.notBefore {
                lock.wait(.first, untilMonotonicNanoseconds: history.notBefore)
            }
            return !interrupted
        }
        guard ready else {
            error.set("instance is stopping")
            return nil
        }
        let crashesBefore = history.total
        var rc = launch(error: error)
        if rc == NAZAR_OK { rc = start(error: error) }
        guard rc == NAZAR_OK, let c = currentChild, c.isAlive else {
            let why = error.message(orDefault: "code \(rc)")
            context.logger.error("plugin host restart failed: \(why)", metadata: ["nazar_event": "plugin_restart_failed"])
            if let c = currentChild {
                noticeDeath(of: c, during: .create, error: error)  // alive but refused: ended here
            } else if history.total == crashesBefore {
                crashed("cannot restart: \(why)")  // spawn failed; a death was already counted
            }
            error.set("restart failed: \(why)")
            return nil
        }
        context.stats.restarts.add(1, ordering: .relaxed)
        context.logger.notice("plugin host restarted (pid \(c.pid)) after \(history.crashesInWindow) crash(es) in the last \(history.policy.window.components.seconds) s", metadata: [
            "nazar_event": "plugin_restarted", "nazar_pid": "\(c.pid)",
            "nazar_restarts": "\(context.stats.restarts.load(ordering: .relaxed))",
        ])
        return c
    }

    /// Spawns a child and creates the plugin in it.
    private func launch(error buffer: ErrorBuffer) -> Int32 {
        let executable: String
        switch PluginHostExecutable.locate() {
        case let .success(path): executable = path
        case let .failure(e):
            buffer.set(e.description)
            return Int32(NAZAR_ERROR)
        }
        let logger = context.logger, instance = config.name
        let c: PluginHostProcess
        do {
            c = try PluginHostProcess(executable: executable, instanceName: instance, context: context) { status, reason in
                IsolatedEntryPoints.reportExit(status, reason: reason, logger: logger)
            }
        } catch {
            buffer.set(error.description)
            return Int32(NAZAR_ERROR)
        }
        lock.withLock { child = c }
        definedSeries.removeAll(keepingCapacity: true)
        history.startedAt = monotonicNanoseconds()
        let id = c.makeID()
        writer.begin(.create, id: id)
        writer.put(string: descriptor.path)
        writer.put(string: descriptor.name)
        writer.put(descriptor.kind.rawValue)
        writer.put(UInt8(strictPermissions ? 1 : 0))
        writer.put(string: config.name)
        writer.put(cString: context.hostnameC)
        writer.put(cString: context.stateDirectoryC)
        writer.put(cString: context.configPathC)
        writer.put(string: configJSON)
        return exchange(c, id: id, call: .create, error: buffer, timeout: callTimeout)
    }

    /// A call without arguments (start, stop, destroy) on the current child.
    private func simpleCall(_ call: PluginCall, error: ErrorBuffer, timeout: Int64? = nil) -> Int32 {
        guard let c = currentChild, c.isAlive else {
            error.set("the plugin host is not running")
            return Int32(NAZAR_ERROR)
        }
        let id = c.makeID()
        let type: PluginHostWire.MessageType = call == .start ? .start : call == .stop ? .stop : .destroy
        writer.begin(type, id: id)
        return exchange(c, id: id, call: call, error: error, timeout: timeout ?? callTimeout)
    }

    /// Sends the message in `writer` and turns the outcome into a return code; a child
    /// that ended or hung is accounted as a crash.
    private func exchange(_ c: PluginHostProcess, id: UInt32, call: PluginCall, error: ErrorBuffer, timeout: Int64) -> Int32 {
        let outcome = c.call(writer.finish(), id: id, deadline: monotonicNanoseconds() + timeout,
                             hangReason: "\(call) did not answer within \(timeout / 1_000_000) ms (call_timeout)")
        switch outcome {
        case let .reply(rc, retryAfter, message):
            if !message.isEmpty { error.set(message) }
            error.pointer.pointee.retry_after_ms = retryAfter
            return rc
        case .exited, .timedOut:
            noticeDeath(of: c, during: call, error: error)
            return Int32(NAZAR_ERROR)
        }
    }

    /// Accounts a child found dead (or just killed for hanging): reaps it, closes the
    /// socket, records the crash and fills `error`.
    private func noticeDeath(of c: PluginHostProcess, during call: PluginCall?, error: ErrorBuffer) {
        c.close()
        lock.withLock { if child === c { child = nil } }
        let status = c.exitStatus.map { "\($0)" } ?? "ended"
        let what = call.map { "plugin host \(status) during \($0)" } ?? "plugin host \(status)"
        error.set(what)
        crashed(what)
    }

    private func crashed(_ what: String) {
        if history.record(now: monotonicNanoseconds()) {
            let why = "crashed \(history.crashesInWindow) times within \(history.policy.window.components.seconds) s; last: \(what)"
            failure = why
            context.logger.error("isolated instance failed: \(why)", metadata: [
                "nazar_event": "plugin_crash_loop", "nazar_plugin_file": "\(descriptor.path)",
            ])
        }
    }

    private func dropChild() {
        guard let c = currentChild else { return }
        c.close()
        lock.withLock { if child === c { child = nil } }
    }

    /// Sends defineSeries for every series of the chunk the child has not seen; false if
    /// the child is gone.
    private func defineSeries(_ points: UnsafePointer<BusPoint>, count: Int, on c: PluginHostProcess) -> Bool {
        for i in 0..<count where !definedSeries.contains(points[i].series) {
            let series = points[i].series
            let e = registry.entry(series)
            writer.begin(.defineSeries)
            writer.put(series)
            writer.put(cString: e.pointee.name)
            writer.put(labels: e.pointee.labels, count: Int(e.pointee.labelCount))
            guard c.send(writer.finish()) else { return false }
            definedSeries.insert(series)
        }
        return true
    }

    /// Journal line for a child that ended without being asked to (reader thread).
    private static func reportExit(_ status: ChildExitStatus, reason: String?, logger: Logger) {
        var metadata: Logger.Metadata = ["nazar_event": "plugin_crashed", "nazar_exit": "\(status)"]
        if let s = status.signal { metadata["nazar_signal"] = "\(ChildExitStatus.signalName(s))" }
        if let code = status.exitCode { metadata["nazar_exit_status"] = "\(code)" }
        if let reason { metadata["nazar_reason"] = "\(reason)" }
        logger.error("plugin host \(status)\(reason.map { ": \($0)" } ?? "")", metadata: metadata)
    }
}

extension ErrorBuffer {
    /// Writes `message` (truncated to the buffer) as if the plugin had.
    func set(_ message: String) {
        var bytes = Array(message.utf8.prefix(ErrorBuffer.capacity - 1))
        bytes.append(0)
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(storage).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }
}
