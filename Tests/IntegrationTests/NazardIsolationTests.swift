import Foundation
import Testing

/// A real nazard running plugins with isolation = "process": crashes and hangs of the
/// nazar-plugin-host child reach the real journal, the daemon lives on, `nazarctl status`
/// shows a crash-looping instance as failed, and no child outlives nazard.
@Suite(.serialized) struct NazardIsolationTests: JournalReading {
    /// nazard's children: pid → state letter (from /proc/<pid>/stat).
    func children(of pid: Int32) -> [Int32: String] {
        var out: [Int32: String] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for task in tasks {
            let list = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            for child in list.split(separator: " ").compactMap({ Int32($0) }) {
                let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
                let state = stat.lastIndex(of: ")").map { String(stat[stat.index($0, offsetBy: 2)]) } ?? "?"
                out[child] = state
            }
        }
        return out
    }

    /// nazarctl's standard output.
    func nazarctl(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(TestPaths.buildProducts)/nazarctl")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }

    /// A started nazard (logging to `logTarget`) with one isolated instance of the crashy
    /// fixture named `name`-<random>, doing `crash` on its second collect() (only once
    /// across restarts when `once`). Returns the nazard and the instance's name.
    func nazardWithCrashy(_ name: String, crash: String, extra: String = "", once: Bool = true,
                          logTarget: String = "journal", arguments: [String] = []) throws -> (NazardProcess, String) {
        let instance = "\(name)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let dir = try TestPaths.makeTemporaryDirectory("isolation")
        mkdir("\(dir)/lib", 0o755)
        try compile("Tests/HostTests/Fixtures/crashy.c", to: "\(dir)/lib/crashy.so")
        // No self-metrics, hence no STATUS= every 200 ms: nobody reads the notify socket after
        // READY, and a full one would block sd_notify (and so shutdown) on a slow machine.
        let config = try writeConfig(in: dir, selfMetrics: "0s", plugins: [instance: """
            plugin = "\(dir)/lib/crashy.so"
            interval = "200ms"
            isolation = "process"
            \(extra)
            [config]
            crash = "\(crash)"
            on_call = 2
            \(once ? "once_file = \"\(dir)/once\"" : "")
            """])
        let nazard = try NazardProcess(config: config, dir: dir,
                                       extraArguments: ["--log-target", logTarget] + arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir) })
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match?.contains("1 instance running") == true)
        return (nazard, instance)
    }

    @Test func aCrashIsJournalledWithItsSignalAndTheChildRestarted() throws {
        guard journaldAvailable() else { return }
        let (nazard, name) = try nazardWithCrashy("crashy", crash: "segv")

        let crashed = try journalEntries(["NAZAR_EVENT=plugin_crashed", "NAZAR_PLUGIN=\(name)"])
        #expect(crashed.count == 1)
        #expect(crashed.first?["NAZAR_SIGNAL"] as? String == "SIGSEGV")
        #expect(crashed.first?["PRIORITY"] as? String == "3")
        #expect((crashed.first?["MESSAGE"] as? String)?.contains("killed by signal 11 (SIGSEGV)") == true)
        let restarted = try journalEntries(["NAZAR_EVENT=plugin_restarted", "NAZAR_PLUGIN=\(name)"])
        #expect(restarted.count == 1)
        let pids = children(of: nazard.process.processIdentifier)
        #expect(pids.count == 1 && pids.values.allSatisfy { $0 != "Z" }, "one live child, no zombie: \(pids)")
        #expect(nazard.stop() == 0)
        #expect(try journalEntries(["NAZAR_EVENT=instance_stopped", "NAZAR_PLUGIN=\(name)"]).count == 1)
    }

    @Test func aHangIsKilledAtCallTimeoutAndJournalledWithTheCall() throws {
        guard journaldAvailable() else { return }
        let (nazard, name) = try nazardWithCrashy("hang", crash: "hang", extra: "call_timeout = \"300ms\"")
        let killed = try journalEntries(["NAZAR_EVENT=plugin_crashed", "NAZAR_PLUGIN=\(name)"])
        #expect(killed.first?["NAZAR_SIGNAL"] as? String == "SIGKILL")
        #expect(killed.first?["NAZAR_REASON"] as? String == "collect() did not answer within 300 ms (call_timeout)")
        #expect(try journalEntries(["NAZAR_EVENT=plugin_restarted", "NAZAR_PLUGIN=\(name)"]).count == 1)
        #expect(try journalEntries(["NAZAR_EVENT=plugin_hung", "NAZAR_PLUGIN=\(name)"], timeout: .milliseconds(500)).isEmpty,
                "an isolated hang is not a quarantine")
        #expect(nazard.stop() == 0)
    }

    @Test func aCrashLoopShowsAsFailedInNazarctlStatus() throws {
        let (nazard, name) = try nazardWithCrashy("looping", crash: "abort", once: false, logTarget: "stderr",
                                                  arguments: ["--runtime-dir", "$DIR/run"])
        let runtime = "\(nazard.dir)/run"
        // Five crashes 100-800 ms apart, then the status file (written every 5 s) says so.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        var status = ""
        while clock.now < deadline {
            // Drain STATUS= datagrams: a full notify socket would block nazard's sd_notify.
            while nazard.notify.receive(timeout: .milliseconds(1)) != nil {}
            status = try nazarctl(["status", "--runtime-dir", runtime])
            if status.contains("failed: crashed 5 times") { break }
            usleep(500_000)
        }
        #expect(status.contains(name) && status.contains("failed: crashed 5 times within 60 s; last: plugin host killed by signal 6 (SIGABRT)"), "\(status)")
        #expect(status.contains("0 instances running, 1 failed"), "\(status)")
        let list = try nazarctl(["plugins", "list", "--config", "\(nazard.dir)/nazar.toml", "--runtime-dir", runtime])
        #expect(list.contains("failed: crashed 5 times within 60 s"), "plugins list: \(list)")
        #expect(children(of: nazard.process.processIdentifier).isEmpty, "no child, no zombie")
        #expect(nazard.stop() == 0)
    }

    @Test func childrenDieWithAKilledNazard() throws {
        let dir = try TestPaths.makeTemporaryDirectory("isolation")
        let config = try writeConfig(in: dir, selfMetrics: "0s", plugins: [
            "a": "plugin = \"collector-system\"\ninterval = \"1s\"\nisolation = \"process\"\n",
            "b": "plugin = \"notifier-log\"\nsubscribe = [\"alerts.#\"]\nisolation = \"process\"\n",
        ])
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "stderr"])
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match?.contains("2 instances running") == true)
        let pids = Array(children(of: nazard.process.processIdentifier).keys)
        #expect(pids.count == 2)
        // No chance to clean up: PR_SET_PDEATHSIG is what ends the children.
        nazard.signal(SIGKILL)
        nazard.process.waitUntilExit()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        func running(_ pid: Int32) -> Bool {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return !stat.isEmpty && !stat.contains(") Z ")
        }
        while clock.now < deadline && pids.contains(where: running) { usleep(50_000) }
        #expect(!pids.contains(where: running), "children outlived nazard: \(pids)")
    }
}
