import Foundation
import Testing

/// nazard logging to a real systemd-journald (started by scripts/test), read back with
/// `journalctl -o json` filtered by our structured fields.
@Suite(.serialized) struct NazardJournalTests: JournalReading {
    @Test func refusedPluginsGetOneJournalLineEachAndTheRestRuns() throws {
        guard journaldAvailable() else { return }
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let dir = try TestPaths.makeTemporaryDirectory("journal")
        mkdir("\(dir)/lib", 0o755)
        try compile("Tests/HostTests/Fixtures/refused.c", to: "\(dir)/lib/future-\(run).so", define: "CASE_FUTURE_ABI")
        try compile("Tests/HostTests/Fixtures/refused.c", to: "\(dir)/lib/current-\(run).so")
        let config = try writeConfig(in: dir, plugins: [
            "future-\(run)": "plugin = \"\(dir)/lib/future-\(run).so\"\n",
            "current-\(run)": "plugin = \"\(dir)/lib/current-\(run).so\"\ninterval = \"1s\"\n",
            "missing-\(run)": "plugin = \"missing-\(run)\"\n",
        ])
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "journal"])
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match?.contains("1 instance running, 2 failed") == true)

        let future = try journalEntries(["NAZAR_EVENT=plugin_refused", "NAZAR_PLUGIN=future-\(run)"])
        #expect(future.count == 1)
        let message = future.first?["MESSAGE"] as? String ?? ""
        #expect(message.contains("\(dir)/lib/future-\(run).so"), "names the file: \(message)")
        #expect(message.contains("built for plugin ABI 2, newer than this host's ABI 1"), "says why: \(message)")
        #expect(future.first?["NAZAR_REASON"] as? String == "abi_too_new")
        #expect(future.first?["PRIORITY"] as? String == "3")

        let missing = try journalEntries(["NAZAR_EVENT=plugin_refused", "NAZAR_PLUGIN=missing-\(run)"])
        #expect(missing.first?["NAZAR_REASON"] as? String == "not_found")

        // The ABI-1 plugin that sits beside them loads and starts.
        let started = try journalEntries(["NAZAR_EVENT=instance_started", "NAZAR_PLUGIN=current-\(run)"])
        #expect(started.count == 1)
        #expect(nazard.stop() == 0)
    }

    @Test func pluginLogLinesCarryTheirFieldsAndTheInstanceName() throws {
        guard journaldAvailable() else { return }
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let dir = try TestPaths.makeTemporaryDirectory("journal")
        mkdir("\(dir)/lib", 0o755)
        try compile("Plugins/examples/collector-example.c", to: "\(dir)/lib/collector-example.so")
        let config = try writeConfig(in: dir, plugins: [
            "example-\(run)": "plugin = \"\(dir)/lib/collector-example.so\"\ninterval = \"1s\"\n",
        ])
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "journal"])
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match != nil)
        // The C plugin logs "example collector started" with NAZAR_EVENT=example_started.
        let lines = try journalEntries(["NAZAR_PLUGIN=example-\(run)", "NAZAR_EVENT=example_started"])
        #expect(lines.first?["MESSAGE"] as? String == "example collector started")
        #expect(lines.first?["PRIORITY"] as? String == "6")
        #expect(lines.first?["SYSLOG_IDENTIFIER"] as? String == "nazard")
        #expect(nazard.stop() == 0)
        let stopping = try journalEntries(["NAZAR_EVENT=instance_stopped", "NAZAR_PLUGIN=example-\(run)"])
        #expect(stopping.count == 1)
    }

    /// A temporary directory with collector-example ("ramp", 100 ms) feeding test-detector
    /// (threshold 2.0), which raises value_high on its third point: their plugins.d texts.
    func rampAndDetector(detector: String) throws -> (dir: String, plugins: [String: String]) {
        let dir = try TestPaths.makeTemporaryDirectory("journal")
        mkdir("\(dir)/lib", 0o755)
        try compile("Plugins/examples/collector-example.c", to: "\(dir)/lib/collector-example.so")
        try compile("Tests/HostTests/Fixtures/test-detector.c", to: "\(dir)/lib/test-detector.so")
        return (dir, [
            "ramp": "plugin = \"\(dir)/lib/collector-example.so\"\ninterval = \"100ms\"\n",
            detector: """
                plugin = "\(dir)/lib/test-detector.so"
                subscribe = ["metrics.itest.example.value"]
                [config]
                threshold = 2.0
                """,
        ])
    }

    @Test func alertsFromADetectorReachTheJournalThroughNotifierLog() throws {
        guard journaldAvailable() else { return }
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let (dir, plugins) = try rampAndDetector(detector: "det-\(run)")
        let config = try writeConfig(in: dir, plugins: plugins.merging([
            "notifier-log": "plugin = \"notifier-log\"\nsubscribe = [\"alerts.#\"]\n",
        ]) { $1 })
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "journal"])
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match?.contains("3 instances running") == true)
        let fired = try journalEntries(["NAZAR_EVENT=alert_fired", "NAZAR_SOURCE=det-\(run)"])
        let entry = try #require(fired.first, "no alert_fired entry from notifier-log")
        #expect(entry["NAZAR_PLUGIN"] as? String == "notifier-log")
        #expect(entry["NAZAR_ALERT"] as? String == "value_high")
        #expect(entry["NAZAR_SEVERITY"] as? String == "critical")
        #expect(entry["NAZAR_LABEL_METRIC"] as? String == "example.value")
        #expect(entry["NAZAR_LABEL_HOST"] as? String == "itest")
        #expect((entry["MESSAGE"] as? String)?.contains("example.value 3.0 > 2.0") == true, "\(entry["MESSAGE"] ?? "")")
        #expect(entry["PRIORITY"] as? String == "4")
        #expect(fired.count == 1, "one incident, one alert")
        #expect(nazard.stop() == 0)
    }

    @Test func aPermanentNotifyFailureIsOneAttemptAndANotifyFailedJournalEntry() throws {
        guard journaldAvailable() else { return }
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let (dir, plugins) = try rampAndDetector(detector: "det")
        try compile("Tests/HostTests/Fixtures/test-notifier.c", to: "\(dir)/lib/test-notifier.so")
        let config = try writeConfig(in: dir, plugins: plugins.merging([
            "pager-\(run)": """
                plugin = "\(dir)/lib/test-notifier.so"
                subscribe = ["alerts.#"]
                [config]
                out = "\(dir)/pager.out"
                permanent = true
                """,
        ]) { $1 })
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "journal"])
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match != nil)
        let failed = try journalEntries(["NAZAR_EVENT=notify_failed", "NAZAR_PLUGIN=pager-\(run)"])
        let entry = try #require(failed.first, "no notify_failed entry")
        #expect(entry["NAZAR_ALERT"] as? String == "value_high")
        #expect((entry["NAZAR_FINGERPRINT"] as? String)?.count == 16)
        #expect((entry["MESSAGE"] as? String)?.contains("HTTP 403: invalid token") == true, "\(entry["MESSAGE"] ?? "")")
        #expect(entry["PRIORITY"] as? String == "3")
        usleep(500_000)
        let attempts = ((try? String(contentsOfFile: "\(dir)/pager.out", encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(attempts == ["refused value_high"], "one attempt, never retried")
        #expect(failed.count == 1)
        #expect(nazard.stop() == 0)
    }
}
