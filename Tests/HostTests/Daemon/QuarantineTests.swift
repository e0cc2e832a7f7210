import Foundation
import Testing
@testable import Host

/// A plugin call that overruns its deadline quarantines that instance — reported in the
/// journal and as an alert — while the rest of the daemon keeps its schedule.
@Suite struct QuarantineTests {
    func setup() throws -> TestSetup {
        let t = try TestSetup()
        try CPlugin.compile(CPlugin.fixture("hang.c"), to: "\(t.dir)/lib/hang.so")
        try t.plugin("notifier", """
            plugin = "test-notifier"
            subscribe = ["alerts.#"]
            [config]
            out = "\(t.dir)/alerts.out"
            """)
        try t.plugin("steady", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        return t
    }

    @Test func aHungCollectIsQuarantinedAndTheOthersKeepTheirSchedule() throws {
        let t = try setup()
        try t.plugin("stuck", """
            plugin = "hang"
            interval = "100ms"
            call_timeout = "300ms"
            [config]
            hang_in = "collect"
            hang_ms = 2500
            """)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        let stuck = try #require(d.instance(named: "stuck"))
        let steady = try #require(d.instance(named: "steady"))
        usleep(600_000)
        d.superviseInstances()
        guard case let .quarantined(why) = stuck.state else {
            Issue.record("expected quarantined, got \(stuck.state)")
            return
        }
        #expect(why.hasPrefix("collect() has not returned after"))
        #expect(d.summary.hasPrefix("2 instances running, 1 quarantined"))
        #expect(eventually { t.read("alerts.out").contains("firing 3 plugin_quarantined") })
        #expect(t.read("alerts.out").contains("plugin instance stuck quarantined: collect() has not returned"))
        // The others keep their schedule while the stuck call goes on.
        let before = steady.stats.calls.load(ordering: .relaxed)
        usleep(500_000)
        #expect(steady.stats.calls.load(ordering: .relaxed) >= before + 3)
        // When the late call returns, nothing more is called on the quarantined instance.
        usleep(2_200_000)
        #expect(stuck.stats.calls.load(ordering: .relaxed) == 1)
    }

    @Test func aHungCreateDoesNotHoldUpStartupAndReloadReplacesIt() throws {
        let t = try setup()
        try t.plugin("stuck", """
            plugin = "hang"
            call_timeout = "300ms"
            [config]
            hang_in = "create"
            hang_ms = 1500
            """)
        let d = try t.daemon()
        let clock = ContinuousClock()
        let started = clock.now
        d.start()
        defer { d.shutdown() }
        #expect(clock.now - started < .seconds(1), "start() waited \(clock.now - started)")
        let stuck = try #require(d.instance(named: "stuck"))
        #expect(stuck.isQuarantined)
        #expect(eventually { t.read("alerts.out").contains("plugin_quarantined") })
        // The admin fixes the file; reload replaces the quarantined instance and resolves the alert.
        try t.plugin("stuck", "plugin = \"hang\"\ncall_timeout = \"300ms\"\ninterval = \"1s\"\n")
        d.reload()
        let replaced = try #require(d.instance(named: "stuck"))
        #expect(replaced !== stuck)
        #expect(replaced.state == .running)
        #expect(eventually { t.read("alerts.out").contains("resolved 3 plugin_quarantined") })
    }
}
