import Foundation

/// A real `nazard` from the build products with a config directory of its own; stderr
/// (logfmt) goes to a file the test reads. Killed when this object goes away.
final class NazardRun {
    let dir: String
    let process = Process()
    var stderrFile: String { "\(dir)/nazard.stderr" }

    /// Writes nazar.toml (search path: `pluginDirs`, then the build products; `alerting` as
    /// its [alerting] section, by default sending each alert at once) and one plugins.d file
    /// per entry of `plugins` (with `mode`), then starts nazard.
    init(dir: String, pluginDirs: [String] = [], plugins: [String: String], mode: Int = 0o640,
         alerting: String = "group_wait = \"0s\"") throws {
        self.dir = dir
        mkdir("\(dir)/plugins.d", 0o755)
        let search = (pluginDirs + [TestPaths.buildProducts]).map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            [daemon]
            hostname = "itest"
            state_directory = "\(dir)/state"
            [plugins]
            search_path = [\(search)]
            [self_metrics]
            interval = "0s"
            [alerting]
            \(alerting)
            """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        for (name, text) in plugins {
            try writeFile("\(dir)/plugins.d/\(name).toml", text, mode: mode)
        }
        if !FileManager.default.fileExists(atPath: stderrFile) {
            _ = FileManager.default.createFile(atPath: stderrFile, contents: nil)
        }
        process.executableURL = URL(fileURLWithPath: "\(TestPaths.buildProducts)/nazard")
        process.arguments = ["--config", "\(dir)/nazar.toml", "--log-target", "stderr", "--log-level", "info"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "JOURNAL_STREAM")
        process.environment = env
        let log = FileHandle(forWritingAtPath: stderrFile)
        _ = try? log?.seekToEnd()  // a restarted nazard appends to its predecessor's log
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// SIGTERM (nazard waits for it with sigwait-style handling, so the inherited mask does
    /// not matter), then waits up to `timeout` for a clean exit; returns the exit status.
    @discardableResult
    func stop(timeout: Duration = .seconds(15)) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? "" }

    deinit {
        // SIGKILL: SIGTERM is blocked in the test runner and the mask is inherited.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Compiles a C plugin from the repository against the header alone, as a third party would.
func compileCPlugin(_ source: String, to output: String) throws {
    let (status, out) = try runTool("/usr/bin/cc", ["-shared", "-fPIC", "-Wall", "-Werror",
                                                   "-I", "\(TestPaths.repository)/Sources/PluginAPI/include",
                                                   "-o", output, "\(TestPaths.repository)/\(source)"])
    guard status == 0 else { throw TestFailure("cc \(source): \(out)") }
}
