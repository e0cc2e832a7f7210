import Foundation
import Logging
import Testing
@testable import Host

/// A nazar.toml plus plugins.d in a temporary directory, with the C test plugins built.
struct TestSetup {
    let dir: String
    var pluginsDir: String { "\(dir)/plugins.d" }
    var configPath: String { "\(dir)/nazar.toml" }

    /// `alerting`: the [alerting] section; short waits so a test's alerts and resolves are sent at once.
    init(selfMetrics: String = "0s", alerting: String = "group_wait = \"0s\"\ngroup_interval = \"100ms\"") throws {
        dir = try TestPaths.makeTemporaryDirectory("daemon")
        mkdir("\(dir)/plugins.d", 0o755)
        mkdir("\(dir)/lib", 0o755)
        try CPlugin.compile(CPlugin.example, to: "\(dir)/lib/collector-example.so")
        try CPlugin.compile(CPlugin.fixture("test-detector.c"), to: "\(dir)/lib/test-detector.so")
        try CPlugin.compile(CPlugin.fixture("test-notifier.c"), to: "\(dir)/lib/test-notifier.so")
        try """
            [daemon]
            hostname = "testhost"
            state_directory = "\(dir)/state"
            [plugins]
            search_path = ["\(dir)/lib", "\(TestPaths.buildProducts)"]
            [self_metrics]
            interval = "\(selfMetrics)"
            [alerting]
            \(alerting)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func plugin(_ file: String, _ text: String) throws {
        try text.write(toFile: "\(pluginsDir)/\(file).toml", atomically: true, encoding: .utf8)
    }

    func remove(_ file: String) { unlink("\(pluginsDir)/\(file).toml") }

    func read(_ name: String) -> String { (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? "" }

    /// The three-instance pipeline the daemon tests share: collector-example (a ramp 1, 2,
    /// 3, ... every 100 ms) → test-detector (threshold 3, "<count> <sum>" in detector.out;
    /// with `score`, anomaly.score points too) → test-notifier (critical alerts into
    /// alerts.out); `extra` goes into each file (e.g. an isolation mode).
    func writePipeline(extra: String = "", score: Bool = false) throws {
        try rampAndDetector(extra: extra, score: score)
        try plugin("notifier", """
            plugin = "test-notifier"
            subscribe = ["alerts.critical.#"]
            \(extra)
            [config]
            out = "\(dir)/alerts.out"
            """)
    }

    /// The first two of the pipeline: collector-example feeding test-detector.
    func rampAndDetector(extra: String = "", score: Bool = false) throws {
        try plugin("example", """
            plugin = "collector-example"
            interval = "100ms"
            \(extra)
            [config]
            base = 0.0
            step = 1.0
            """)
        try plugin("detector", """
            plugin = "test-detector"
            subscribe = ["metrics.testhost.example.value"]
            \(extra)
            [config]
            threshold = 3.0
            score = \(score)
            out = "\(dir)/detector.out"
            """)
    }

    func daemon() throws -> Daemon {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try Daemon(options: DaemonOptions(configPath: configPath), logger: logger)
    }
}

@Suite struct DaemonTests {
    @Test func pointsFlowFromACCollectorThroughADetectorToANotifier() throws {
        let t = try TestSetup()
        try t.writePipeline()
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        #expect(d.instanceStatuses.map(\.state) == ["running", "running", "running"])
        #expect(eventually { t.read("alerts.out").contains("firing 3 value_high") })
        let line = t.read("alerts.out").split(separator: "\n").first.map(String.init) ?? ""
        #expect(line.contains("example.value 4.0 > 3.0"), "the detector's summary reaches the notifier: \(line)")
        #expect(line.contains(" detector "), "the source is the detector instance")
        #expect(eventually { (Int(t.read("detector.out").split(separator: " ").first ?? "") ?? 0) >= 5 })
        let example = try #require(d.instance(named: "example"))
        #expect(example.stats.pointsPublished.load(ordering: .relaxed) >= 15)
        #expect(d.bus.registry.count >= 3)
    }

    @Test func aRefusedOrFailingPluginLeavesTheOthersRunning() throws {
        let t = try TestSetup()
        try "junk".write(toFile: "\(t.dir)/lib/junk.so", atomically: true, encoding: .utf8)
        chmod("\(t.dir)/lib/junk.so", 0o644)
        try t.plugin("a-junk", "plugin = \"junk\"\n")
        try t.plugin("b-missing", "plugin = \"does-not-exist\"\n")
        try t.plugin("c-failing", """
            plugin = "test-detector"
            [config]
            fail_create = true
            """)
        try t.plugin("d-good", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let states = Dictionary(uniqueKeysWithValues: d.instanceStatuses.map { ($0.name, $0.state) })
        #expect(states["a-junk"]?.contains("not a shared object (no ELF header)") == true)
        #expect(states["b-missing"]?.contains("no such plugin file") == true)
        #expect(states["c-failing"] == "failed: create failed: config key 'fail_create': asked to fail")
        #expect(states["d-good"] == "running")
        #expect(d.summary.hasPrefix("1 instance running, 3 failed"))
    }

    @Test func twoInstancesWithOneNameRunOnlyTheFirst() throws {
        let t = try TestSetup()
        try t.plugin("a", "plugin = \"collector-example\"\nname = \"same\"\ninterval = \"1s\"\n")
        try t.plugin("b", "plugin = \"collector-example\"\nname = \"same\"\ninterval = \"2s\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        #expect(d.instance(named: "same")?.config.file.hasSuffix("/a.toml") == true)
        let states = Dictionary(uniqueKeysWithValues: d.instanceStatuses.map { ($0.name, $0.state) })
        #expect(states.count == 2)
        #expect(states["same"] == "running")
        #expect(states["b"]?.contains("instance name 'same' is already used by") == true, "the second file is listed as refused: \(states)")
    }

    @Test func reloadAppliesAddRemoveDisableChangeAndKeepsUntouchedInstances() throws {
        let t = try TestSetup()
        try t.plugin("keep", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        try t.plugin("remove-me", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        try t.plugin("disable-me", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        try t.plugin("change-me", "plugin = \"collector-example\"\ninterval = \"1s\"\n[config]\nstep = 1.0\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let kept = try #require(d.instance(named: "keep"))
        let changed = try #require(d.instance(named: "change-me"))
        #expect(eventually { kept.stats.calls.load(ordering: .relaxed) >= 5 })
        let callsBefore = kept.stats.calls.load(ordering: .relaxed)

        t.remove("remove-me")
        try t.plugin("disable-me", "plugin = \"collector-example\"\nenabled = false\n")
        try t.plugin("change-me", "plugin = \"collector-example\"\ninterval = \"1s\"\n[config]\nstep = 2.0\n")
        try t.plugin("added", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        d.reload()

        let states = Dictionary(uniqueKeysWithValues: d.instanceStatuses.map { ($0.name, $0.state) })
        #expect(states == ["keep": "running", "disable-me": "disabled", "change-me": "running", "added": "running"])
        #expect(d.instance(named: "keep") === kept, "an untouched instance is the same object")
        #expect(kept.stats.calls.load(ordering: .relaxed) >= callsBefore, "and its counters were not reset")
        #expect(kept.state == .running)
        #expect(d.instance(named: "change-me") !== changed, "a changed config restarts the instance")
        #expect(d.instance(named: "change-me")?.config.configJSON == #"{"step":2.0}"# || d.instance(named: "change-me")?.config.configJSON == #"{"step":2}"#)
        #expect(changed.state == .stopped)
    }

    @Test func reloadPicksUpAReplacedPluginFile() throws {
        let t = try TestSetup()
        try t.plugin("ex", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let before = try #require(d.instance(named: "ex"))
        let tmp = "\(t.dir)/lib/new.tmp"
        try CPlugin.compile(CPlugin.example, to: tmp, defines: ["EXAMPLE_REBUILT=1"])
        #expect(rename(tmp, "\(t.dir)/lib/collector-example.so") == 0)
        d.reload()
        let after = try #require(d.instance(named: "ex"))
        #expect(after !== before)
        #expect(after.descriptor.loadID != before.descriptor.loadID)
        #expect(after.state == .running)
    }

    @Test func aBrokenNazarTomlOnReloadKeepsEverythingRunning() throws {
        let t = try TestSetup()
        try t.plugin("ex", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let before = try #require(d.instance(named: "ex"))
        try "[daemon\nbroken".write(toFile: t.configPath, atomically: true, encoding: .utf8)
        d.reload()
        #expect(d.instance(named: "ex") === before)
        #expect(before.state == .running)
    }

    @Test func reloadHooksRunAfterTheConfigurationInOrderEvenWhenItIsBroken() throws {
        let t = try TestSetup()
        try t.plugin("ex", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let calls = HookCalls()
        // A hook may call back into the daemon: it runs outside the daemon's lock.
        d.addReloadHook { calls.append("first: \(d.instance(named: "added") != nil)") }
        d.addReloadHook { calls.append("second") }
        #expect(calls.all.isEmpty, "hooks run on reload only")
        try t.plugin("added", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        d.reload()
        #expect(calls.all == ["first: true", "second"])
        try "[daemon\nbroken".write(toFile: t.configPath, atomically: true, encoding: .utf8)
        d.reload()
        #expect(calls.all == ["first: true", "second", "first: true", "second"])
    }

    /// What reload hooks recorded, from whichever thread ran them.
    final class HookCalls: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func append(_ s: String) { lock.withLock { items.append(s) } }
        var all: [String] { lock.withLock { items } }
    }

    @Test func swiftPluginsRunThroughTheABI() throws {
        let t = try TestSetup()
        try t.plugin("collector-system", """
            plugin = "collector-system"
            interval = "100ms"
            """)
        try t.plugin("cpu-watch", """
            plugin = "test-detector"
            subscribe = ["metrics.testhost.cpu.total"]
            [config]
            out = "\(t.dir)/cpu.out"
            """)
        try t.plugin("notifier-log", "plugin = \"notifier-log\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        #expect(d.instanceStatuses.map(\.state) == ["running", "running", "running"])
        // CPU percentages need two samples; the detector then sees cpu.total points.
        #expect(eventually(timeout: .seconds(10)) { !t.read("cpu.out").isEmpty })
        let names = Set((1..<UInt64(d.bus.registry.count + 1)).map { d.bus.registry.name(of: $0) })
        for metric in ["cpu.total", "load.1", "mem.used", "procs.total"] {
            #expect(names.contains(metric), "collector-system publishes \(metric)")
        }
    }

    @Test func selfMetricsArePublishedOnTheBus() throws {
        let t = try TestSetup()
        try t.plugin("ex", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        try t.plugin("watch", """
            plugin = "test-detector"
            subscribe = ["metrics.*.nazar.#"]
            [config]
            out = "\(t.dir)/self.out"
            """)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        #expect(eventually { (d.instance(named: "ex")?.stats.calls.load(ordering: .relaxed) ?? 0) > 3 })
        d.publishSelfMetrics()
        #expect(eventually { !t.read("self.out").isEmpty })
        let r = d.bus.registry
        let series = (1..<UInt64(r.count + 1)).filter { r.name(of: $0) == "nazar.instance.points_published" }
        #expect(series.contains { r.labels(of: $0).contains { $0 == ("instance", "ex") } })
    }
}

@Suite struct DaemonConfigErrorTests {
    @Test func aPluginsDFileWithAnErrorIsListedAsFailedAndTheRestRuns() throws {
        let t = try TestSetup()
        try t.plugin("bad", "plugin = \"collector-example\"\ninterval = \"soon\"\n")
        try t.plugin("good", "plugin = \"collector-example\"\ninterval = \"1s\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let states = Dictionary(uniqueKeysWithValues: d.instanceStatuses.map { ($0.name, $0.state) })
        #expect(states["good"] == "running")
        #expect(states["bad"]?.contains("bad.toml:2") == true, "\(states)")
        #expect(states["bad"]?.contains("interval") == true)
    }
}
