import Foundation
import Testing
@testable import Host

/// Instances with `isolation = "process"` run in a nazar-plugin-host child: the same
/// points and alerts as in-process, and a crash or hang costs a restart, not the daemon.
@Suite(.serialized) struct IsolationTests {
    /// collector-example → test-detector → test-notifier, every instance in `isolation`.
    func pipeline(_ isolation: String) throws -> (TestSetup, Daemon) {
        let t = try TestSetup()
        try t.writePipeline(extra: "isolation = \"\(isolation)\"", score: true)
        return (t, try t.daemon())
    }

    @Test func aPipelineRunsTheSameIsolatedAsInProcess() throws {
        var seen: [String: (alert: String, series: Int)] = [:]
        for mode in ["none", "process"] {
            let (t, d) = try pipeline(mode)
            d.start()
            #expect(d.instanceStatuses.map(\.state) == ["running", "running", "running"], "\(mode)")
            if mode == "process" {
                for name in ["example", "detector", "notifier"] {
                    let pid = d.instance(named: name)?.childPID
                    #expect(pid != nil && pid != getpid(), "\(name) runs in a child")
                    // nazard reports a crash itself: the Swift backtracer is off in the child.
                    let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid ?? 0)/environ"))) ?? Data()
                    #expect(environ.split(separator: 0).contains(Data("SWIFT_BACKTRACE=enable=no".utf8)))
                }
            }
            #expect(eventually { t.read("alerts.out").contains("firing 3 value_high") }, "\(mode)")
            // The detector saw exactly the ramp the collector produced: 1, 2, 3, ...
            #expect(eventually {
                let f = t.read("detector.out").split(separator: " ")
                guard f.count == 2, let n = Double(f[0]), let sum = Double(f[1].trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
                return n >= 6 && sum == n * (n + 1) / 2
            }, "\(mode): \(t.read("detector.out"))")
            let detector = try #require(d.instance(named: "detector"))
            // Its anomaly.score points went through publish() (from the child, when isolated).
            #expect(eventually { detector.stats.pointsPublished.load(ordering: .relaxed) >= 6 })
            let series = d.bus.registry.count
            d.shutdown()
            seen[mode] = (t.read("alerts.out").split(separator: "\n").first.map(String.init) ?? "", series)
        }
        // Same alert line: state, severity, rule, fingerprint, source and summary.
        #expect(seen["none"]?.alert == seen["process"]?.alert)
        #expect(seen["process"]?.alert.hasSuffix(" detector example.value 4.0 > 3.0") == true, "\(seen)")
        #expect(seen["none"]?.series == seen["process"]?.series, "the same series were registered")
    }

    @Test(arguments: ["segv", "abort", "exit"])
    func aCrashedChildIsRestartedAndPointsFlowAgain(_ crash: String) throws {
        let t = try TestSetup()
        try t.compileCrashy()
        try t.crashy(crash: crash, onCall: 3)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let crashy = try #require(d.instance(named: "crashy"))
        let firstPID = try #require(crashy.childPID)
        #expect(eventually(timeout: .seconds(10)) { crashy.stats.restarts.load(ordering: .relaxed) == 1 })
        let published = crashy.stats.pointsPublished.load(ordering: .relaxed)
        #expect(eventually { crashy.stats.pointsPublished.load(ordering: .relaxed) >= published + 6 }, "points flow again")
        let secondPID = try #require(crashy.childPID)
        #expect(secondPID != firstPID)
        #expect(!processExists(firstPID), "the crashed child was reaped")
        #expect(crashy.state == .running)
        #expect(crashy.stats.callErrors.load(ordering: .relaxed) == 1, "the crashed collect() counts as one failed call")
        #expect(zombieChildren().isEmpty)
    }

    @Test func aHungChildIsKilledAtItsCallTimeoutAndRestarted() throws {
        let t = try TestSetup()
        try t.compileCrashy()
        try t.crashy(crash: "hang", onCall: 2, extra: "call_timeout = \"300ms\"")
        try t.plugin("steady", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let crashy = try #require(d.instance(named: "crashy"))
        let hungPID = try #require(crashy.childPID)
        #expect(eventually(timeout: .seconds(5)) { crashy.stats.restarts.load(ordering: .relaxed) == 1 })
        d.superviseInstances()
        #expect(!crashy.isQuarantined, "an isolated hang restarts the child instead of quarantining")
        #expect(!processExists(hungPID), "the hung child was killed and reaped")
        let published = crashy.stats.pointsPublished.load(ordering: .relaxed)
        #expect(eventually { crashy.stats.pointsPublished.load(ordering: .relaxed) >= published + 4 })
        #expect(d.summary.hasPrefix("2 instances running"))
    }

    @Test func aCrashLoopMarksTheInstanceFailedAndReloadStartsItAgain() throws {
        let t = try TestSetup()
        try t.compileCrashy()
        try t.crashy(crash: "segv", once: false)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let crashy = try #require(d.instance(named: "crashy"))
        // Backoff 100 + 200 + 400 + 800 ms between the five crashes.
        #expect(eventually(timeout: .seconds(10)) { crashy.hasFailed })
        guard case let .failed(why) = crashy.state else { return }
        #expect(why.hasPrefix("crashed 5 times within 60 s; last: plugin host killed by signal 11 (SIGSEGV) during "), "\(why)")
        #expect(crashy.stats.restarts.load(ordering: .relaxed) == 4)
        #expect(crashy.childPID == nil)
        #expect(d.summary.hasPrefix("0 instances running, 1 failed"), "\(d.summary)")
        #expect(d.instanceStatuses.first?.state.hasPrefix("failed: crashed 5 times") == true)
        #expect(zombieChildren().isEmpty)
        // The admin fixes the file; reload replaces the failed instance.
        try t.plugin("crashy", "plugin = \"crashy\"\ninterval = \"100ms\"\nisolation = \"process\"\n")
        d.reload()
        let replaced = try #require(d.instance(named: "crashy"))
        #expect(replaced !== crashy)
        #expect(replaced.state == .running)
    }

    @Test func aDetectorsInFlightBatchIsCountedLostAndLaterBatchesArrive() throws {
        let t = try TestSetup()
        try t.compileCrashy()
        try t.plugin("example", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        try t.crashy("crashy-detector", crash: "segv", onCall: 2, extra: "subscribe = [\"metrics.testhost.example.value\"]")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let crashy = try #require(d.instance(named: "crashy"))
        #expect(eventually(timeout: .seconds(10)) { crashy.stats.restarts.load(ordering: .relaxed) == 1 })
        #expect(eventually { (Int(t.read("crashy.out").split(separator: " ").first ?? "") ?? 0) >= 3 }, "batches arrive again")
        let lost = crashy.stats.pointsLostInCrashes.load(ordering: .relaxed)
        #expect(lost >= 1, "the batch in flight is counted as lost")
        // Delivered = what the restarted child counted + what the first child saw + lost.
        let delivered = crashy.stats.pointsDelivered.load(ordering: .relaxed)
        #expect(delivered >= lost + 3)
    }

    @Test func aNotifiersInFlightAlertIsRetriedNotLost() throws {
        let t = try TestSetup()
        try t.compileCrashy()
        try t.plugin("example", "plugin = \"collector-example\"\ninterval = \"100ms\"\n[config]\nbase = 0.0\nstep = 1.0\n")
        try t.plugin("detector", """
            plugin = "test-detector"
            subscribe = ["metrics.testhost.example.value"]
            [config]
            threshold = 2.0
            """)
        try t.crashy("crashy-notifier", crash: "abort", extra: "subscribe = [\"alerts.#\"]")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let crashy = try #require(d.instance(named: "crashy"))
        #expect(eventually(timeout: .seconds(10)) { t.read("crashy.out").contains("firing value_high example.value 3.0 > 2.0") })
        #expect(crashy.stats.restarts.load(ordering: .relaxed) == 1)
        #expect(eventually { crashy.stats.alertsDelivered.load(ordering: .relaxed) == 1 })
        #expect(t.read("crashy.out").split(separator: "\n").count == 1, "delivered once: \(t.read("crashy.out"))")
    }

    @Test func anIdleNotifiersChildKilledFromOutsideIsRestartedWithoutWaitingForAnAlert() throws {
        let t = try TestSetup()
        try t.plugin("notifier", """
            plugin = "test-notifier"
            subscribe = ["alerts.#"]
            isolation = "process"
            [config]
            out = "\(t.dir)/alerts.out"
            """)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let notifier = try #require(d.instance(named: "notifier"))
        let first = try #require(notifier.childPID)
        kill(first, SIGSEGV)
        // The worker's idle tick (a second without alerts) notices and starts another.
        #expect(eventually(timeout: .seconds(5)) { notifier.stats.restarts.load(ordering: .relaxed) == 1 })
        let second = try #require(notifier.childPID)
        #expect(second != first)
        #expect(!processExists(first))
        #expect(notifier.state == .running)
    }

    @Test func aLargeBatchByNameIsForwardedWhole() throws {
        let t = try TestSetup()
        try CPlugin.compile("\(TestPaths.repository)/bench/plugins/bench-collector.c", to: "\(t.dir)/lib/bench-collector.so")
        // One publish() of 20,000 points with name and labels: ~1.2 MB, more than one message holds.
        try t.plugin("big", """
            plugin = "bench-collector"
            interval = "100ms"
            isolation = "process"
            [config]
            points = 20000
            batch = 20000
            series = 100
            by_name = 1
            """)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let big = try #require(d.instance(named: "big"))
        #expect(eventually { big.stats.pointsPublished.load(ordering: .relaxed) == 20_000 })
        #expect(big.stats.callErrors.load(ordering: .relaxed) == 0)
        #expect(big.stats.restarts.load(ordering: .relaxed) == 0)
        #expect(d.bus.registry.count >= 100)
    }

    @Test func disablingOrRemovingAnIsolatedInstanceEndsItsChild() throws {
        let t = try TestSetup()
        try t.plugin("a", "plugin = \"collector-example\"\ninterval = \"100ms\"\nisolation = \"process\"\n")
        try t.plugin("b", "plugin = \"collector-example\"\ninterval = \"100ms\"\nisolation = \"process\"\n")
        let d = try t.daemon()
        d.start()
        let a = try #require(d.instance(named: "a")?.childPID)
        let b = try #require(d.instance(named: "b")?.childPID)
        try t.plugin("a", "plugin = \"collector-example\"\nenabled = false\nisolation = \"process\"\n")
        d.reload()
        #expect(!processExists(a), "disabled: its child is gone and reaped")
        #expect(processExists(b))
        d.shutdown()
        #expect(!processExists(b), "shutdown ends every child")
        #expect(zombieChildren().isEmpty)
    }

    @Test func aMissingPluginHostProgramIsNamedWithWhereItWasLookedFor() {
        // Not through setenv: nazard processes other tests start meanwhile would inherit it.
        guard case let .failure(error) = PluginHostExecutable.locate(named: "/nonexistent/nazar-plugin-host") else {
            Issue.record("a missing program was found")
            return
        }
        #expect(error.description == "NAZAR_PLUGIN_HOST=/nonexistent/nazar-plugin-host is not an executable file")
        // Without the variable: next to this executable (the build directory), as nazard finds it there.
        guard case let .success(found) = PluginHostExecutable.locate() else {
            Issue.record("nazar-plugin-host not found next to the test binary")
            return
        }
        #expect(found == "\(TestPaths.buildProducts)/nazar-plugin-host")
    }
}
