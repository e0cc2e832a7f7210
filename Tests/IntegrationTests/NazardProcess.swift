import Foundation
// Shared helpers (TestPaths, TestFailure, runTool, freeLoopbackPort …): the TestSupport target.
@_exported import TestSupport

/// A real `nazard` process started from the build directory, with a NOTIFY_SOCKET the
/// test owns: what systemd would see, read datagram by datagram.
final class NazardProcess {
    let process = Process()
    let notify: NotifySocket
    let stderrPipe = Pipe()
    let dir: String
    /// Where stderr goes instead of the pipe, when set: a test that reads info-level lines
    /// while the daemon runs (a pipe nobody drains would stall its logging once full).
    let stderrPath: String?

    init(config: String, dir: String, extraArguments: [String] = [], environment: [String: String] = [:],
         stderrPath: String? = nil) throws {
        self.dir = dir
        self.stderrPath = stderrPath
        notify = try NotifySocket(path: "\(dir)/notify.sock")
        process.executableURL = URL(fileURLWithPath: "\(TestPaths.buildProducts)/nazard")
        process.arguments = ["--config", config, "--plugin-dir", TestPaths.buildProducts, "--state-dir", "\(dir)/state"] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env.removeValue(forKey: "JOURNAL_STREAM")
        env.removeValue(forKey: "INVOCATION_ID")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let stderrPath {
            guard FileManager.default.createFile(atPath: stderrPath, contents: nil),
                  let file = FileHandle(forWritingAtPath: stderrPath) else { throw TestFailure("cannot create \(stderrPath)") }
            process.standardError = file
        } else {
            process.standardError = stderrPipe
        }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Sends SIGTERM and waits for exit; returns the exit status.
    func stop() -> Int32 {
        notify.stopDiscarding()
        if process.isRunning { signal(SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var stderrText: String {
        if let stderrPath { return (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
        return String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// An AF_UNIX datagram socket bound where NOTIFY_SOCKET points.
/// Unchecked Sendable: only the discarding thread reads it concurrently, and it stops
/// under `drainLock` before anyone else reads again.
final class NotifySocket: @unchecked Sendable {
    let path: String
    let fd: Int32
    private let drainLock = NSLock()
    private var draining = false

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw TestFailure("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw TestFailure("bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// From now on reads and drops datagrams on a thread of its own, as systemd does: a
    /// daemon sends STATUS= with every self-metrics round, and once the socket's queue
    /// (net.unix.max_dgram_qlen) is full, sd_notify blocks it.
    func discardInBackground() {
        drainLock.withLock { draining = true }
        Thread.detachNewThread { [self] in
            while drainLock.withLock({ draining }) { _ = receive(timeout: .milliseconds(100)) }
        }
    }

    func stopDiscarding() { drainLock.withLock { draining = false } }

    /// The next datagram, or nil after `timeout`.
    func receive(timeout: Duration) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&pfd, 1, ms) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// Reads datagrams until one satisfies `match` or `timeout` passes; returns it and
    /// every datagram seen before it.
    func wait(for timeout: Duration, _ match: (String) -> Bool) -> (match: String?, seen: [String]) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var seen: [String] = []
        while clock.now < deadline {
            guard let m = receive(timeout: deadline - clock.now) else { break }
            if match(m) { return (m, seen) }
            seen.append(m)
        }
        return (nil, seen)
    }
}



/// Writes a nazar.toml with fast intervals (alerts sent without group_wait) and the given plugins.d files.
func writeConfig(in dir: String, selfMetrics: String = "200ms", alerting: String = "group_wait = \"0s\"",
                 plugins: [String: String]) throws -> String {
    mkdir("\(dir)/plugins.d", 0o755)
    let path = "\(dir)/nazar.toml"
    try """
        [daemon]
        hostname = "itest"
        [plugins]
        search_path = []
        [self_metrics]
        interval = "\(selfMetrics)"
        [alerting]
        \(alerting)
        """.write(toFile: path, atomically: true, encoding: .utf8)
    for (name, text) in plugins {
        try text.write(toFile: "\(dir)/plugins.d/\(name).toml", atomically: true, encoding: .utf8)
    }
    return path
}

/// Runs the built nazarctl; returns its exit status and stdout and stderr together.
func runNazarctl(_ args: [String]) throws -> (code: Int32, output: String) {
    let r = try runTool("\(TestPaths.buildProducts)/nazarctl", args)
    return (r.status, r.output)
}
