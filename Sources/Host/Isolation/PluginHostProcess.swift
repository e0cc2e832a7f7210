import Logging
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// One running `nazar-plugin-host` child, seen from nazard: the process, its end of the
/// socketpair, and a reader thread that answers the plugin's host function requests and
/// hands call replies to the waiting worker.
///
/// Threading: `call` is made by one thread at a time (the instance's worker); `kill` and
/// `exitStatus` from any thread. The reader thread reaps the child (waitpid) as soon as
/// its end of the socket closes, so no zombie outlives it; `close()` then releases the
/// descriptor, after which the object is inert.
final class PluginHostProcess: @unchecked Sendable {
    /// What became of a call.
    enum Outcome {
        case reply(rc: Int32, retryAfterMilliseconds: Int64, message: String)
        /// The child ended (crashed, exited, or was killed) before answering.
        case exited(ChildExitStatus)
        /// No answer within the deadline; the child has been killed and reaped.
        case timedOut
    }

    let pid: pid_t
    private let fd: Int32
    private let lock = ConditionLock()
    private var pendingID: UInt32 = 0
    private var reply: Outcome?
    private var status: ChildExitStatus?
    private var readerFinished = false
    private var closed = false
    private var nextID: UInt32 = 0
    /// Set before nazard kills the child on purpose, so its end is not reported as a crash.
    private var expectedExit = false
    /// Why nazard killed a child that misbehaved (a hang), for the crash report.
    private var killReason: String?
    private let requests: PluginHostRequestServer
    private let onUnexpectedExit: @Sendable (ChildExitStatus, String?) -> Void

    /// Spawns the program with the child's end of a new socketpair as descriptor 3 and
    /// starts the reader. `onUnexpectedExit` runs on the reader thread when the child ends
    /// without nazard asking it to (a crash, an exit, a kill from outside, or a kill for
    /// hanging, whose reason it receives).
    init(executable: String, instanceName: String, context: InstanceContext,
         onUnexpectedExit: @escaping @Sendable (ChildExitStatus, String?) -> Void) throws(PluginHostSpawnError) {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw PluginHostSpawnError("socketpair: \(String(cString: strerror(errno)))")
        }
        for end in pair { Self.raiseBuffers(end) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy: only descriptor 3 crosses exec.
        posix_spawn_file_actions_adddup2(&actions, pair[1], PluginHostWire.childDescriptor)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // nazard ignores or traps SIGHUP/SIGTERM/SIGINT/SIGPIPE; the child starts from defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGHUP, SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("nazar-plugin-host"), strdup(instanceName), strdup("\(getpid())"), nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let environment = Self.childEnvironment()
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environment)
        Self.freeEnvironment(environment)
        Glibc.close(pair[1])
        guard rc == 0 else {
            Glibc.close(pair[0])
            throw PluginHostSpawnError("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        fd = pair[0]
        requests = PluginHostRequestServer(context: context)
        self.onUnexpectedExit = onUnexpectedExit
        guard WorkerThread.start(name: "nz-ph-\(instanceName)", { [self] in readLoop() }) else {
            Glibc.kill(child, SIGKILL)
            var s: Int32 = 0
            while waitpid(child, &s, 0) < 0 && errno == EINTR {}
            Glibc.close(pair[0])
            throw PluginHostSpawnError("cannot create the reader thread for \(instanceName)'s plugin host")
        }
    }

    /// nazard's environment (as it is now), with Swift's crash backtracer off: a plugin's
    /// crash is reported by nazard (signal, call, restart), and the backtracer would hold
    /// the dying child for seconds while it symbolicates. Free with `freeEnvironment`.
    private static func childEnvironment() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        var entries: [UnsafeMutablePointer<CChar>?] = []
        var p = environ
        while let entry = p.pointee {
            let name = String(cString: entry).prefix { $0 != "=" }
            if !Self.withheldVariables.contains(String(name)) { entries.append(entry) }
            p += 1
        }
        entries.append(strdup("SWIFT_BACKTRACE=enable=no"))
        entries.append(nil)
        let block = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: entries.count)
        block.initialize(from: entries, count: entries.count)
        return block
    }

    /// Not passed to the child: systemd's notify and watchdog variables are nazard's alone
    /// (NotifyAccess=main), and the backtracer is replaced (see above).
    static let withheldVariables: Set<String> = ["SWIFT_BACKTRACE", "NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC",
                                                 "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"]

    /// Frees what `childEnvironment` allocated (the block and its last entry; the rest
    /// belong to `environ`).
    private static func freeEnvironment(_ block: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) {
        var n = 0
        while block[n] != nil { n += 1 }
        if n > 0 { free(block[n - 1]) }
        block.deallocate()
    }

    /// Large enough for `PluginHostWire.maximumMessage` (the kernel caps it at wmem_max × 2).
    private static func raiseBuffers(_ fd: Int32) {
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The exit status once the child has been reaped.
    var exitStatus: ChildExitStatus? { lock.withLock { status } }

    var isAlive: Bool { lock.withLock { status == nil } }

    /// A fresh request id for the message the caller is about to write.
    func makeID() -> UInt32 {
        lock.withLock {
            nextID &+= 1
            if nextID == 0 { nextID = 1 }
            return nextID
        }
    }

    /// Sends a one-way message (defineSeries); false if the child is gone.
    func send(_ message: UnsafeRawBufferPointer) -> Bool { PluginHostWire.send(fd, message) }

    /// Sends a call whose header carries `id` and waits for its reply until the monotonic
    /// `deadline`. On timeout the child is killed (SIGKILL) and reaped before returning;
    /// `hangReason` ("collect() did not answer within 300 ms") goes into the crash report.
    func call(_ message: UnsafeRawBufferPointer, id: UInt32, deadline: Int64, hangReason: String) -> Outcome {
        lock.withLock {
            pendingID = id
            reply = nil
        }
        if !send(message) {
            // The child is gone (or going): wait for the reader to reap it.
            return lock.withLock {
                while status == nil { lock.wait(.first, untilMonotonicNanoseconds: .max) }
                return .exited(status ?? ChildExitStatus(raw: 0))
            }
        }
        let answer: Outcome? = lock.withLock {
            while reply == nil && status == nil {
                if !lock.wait(.first, untilMonotonicNanoseconds: deadline) && reply == nil && status == nil { return nil }
            }
            if let r = reply { return r }
            return .exited(status ?? ChildExitStatus(raw: 0))
        }
        if let answer { return answer }
        kill(reason: hangReason)
        waitForExit()
        return .timedOut
    }

    /// Sends SIGKILL. `reason` nil when nazard wants the child gone (stop, reload); else
    /// why it is being killed (a hang), and the end is reported like a crash.
    func kill(reason: String?) {
        lock.withLock {
            if let reason { killReason = reason } else { expectedExit = true }
            if status == nil { _ = Glibc.kill(pid, SIGKILL) }
        }
    }

    /// Marks the coming exit as requested (after destroy() the child exits by itself).
    func expectExit() { lock.withLock { expectedExit = true } }

    /// Waits until the reader has reaped the child, up to `timeout`; false if it has not.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(10)) -> Bool {
        let deadline = monotonicNanoseconds() + timeout.nanoseconds
        return lock.withLock {
            while !readerFinished {
                if !lock.wait(.second, untilMonotonicNanoseconds: deadline) && !readerFinished { return false }
            }
            return true
        }
    }

    /// Kills the child if it still runs, waits for the reader to reap it, and closes
    /// nazard's end of the socket. Idempotent.
    func close() {
        kill(reason: nil)
        waitForExit()
        lock.withLock {
            guard !closed, readerFinished else { return }
            closed = true
            Glibc.close(fd)
        }
    }

    // MARK: - Reader thread

    private func readLoop() {
        let capacity = PluginHostWire.maximumMessage + 4096
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        let writer = PluginHostMessageWriter()
        var failure: String?
        while true {
            let n = PluginHostWire.receive(fd, into: buffer, capacity: capacity)
            if n == 0 { break }
            do throws(PluginHostWireError) {
                var reader = try PluginHostMessageReader(buffer, length: n)
                switch reader.type {
                case .callReply:
                    let rc = try reader.read(Int32.self, "rc")
                    let retry = try reader.read(Int64.self, "retry_after_ms")
                    let text = try reader.readCString("message")
                    let message = text.pointee == 0 ? "" : String(cString: text)
                    lock.withLock {
                        if reader.id == pendingID {
                            reply = .reply(rc: rc, retryAfterMilliseconds: retry, message: message)
                            lock.broadcast(.first)
                        }
                    }
                case .log:
                    try requests.log(&reader)
                case .seriesRegister, .publish, .alertRaise, .alertResolve:
                    let value = try requests.serve(&reader)
                    writer.begin(.hostReply, id: reader.id)
                    writer.put(value)
                    if !send(writer.finish()) { break }
                default:
                    throw PluginHostWireError("nazard does not accept \(reader.type) messages")
                }
            } catch {
                failure = error.description
                break
            }
        }
        if let failure {
            requests.context.logger.error("plugin host \(pid) broke the protocol, killing it: \(failure)",
                                          metadata: ["nazar_event": "plugin_host_protocol_error"])
        }
        _ = Glibc.kill(pid, SIGKILL)  // harmless if it already exited: it is not reaped yet
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        let ended = ChildExitStatus(raw: raw)
        let (report, reason) = lock.withLock {
            status = ended
            readerFinished = true
            lock.broadcast(.first)
            lock.broadcast(.second)
            return (!expectedExit, killReason ?? failure.map { "protocol error: \($0)" })
        }
        if report { onUnexpectedExit(ended, reason) }
    }
}
