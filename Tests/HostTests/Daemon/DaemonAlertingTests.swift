import Foundation
import Testing
@testable import Host

/// The daemon's alert manager: firing() for the API, the outbox in the daemon's store, and
/// the in-memory outbox without one.
@Suite struct DaemonAlertingTests {
    func setUp(_ t: TestSetup) throws {
        try t.rampAndDetector()
        try t.plugin("notifier", """
            plugin = "test-notifier"
            subscribe = ["alerts.#"]
            [config]
            out = "\(t.dir)/alerts.out"
            """)
    }

    @Test func firingAlertsAreVisibleAndTheirNotificationIsDeliveredFromTheStoresOutbox() throws {
        let t = try TestSetup()
        try setUp(t)
        let d = try t.daemon()
        d.start()
        #expect(eventually { t.read("alerts.out").contains("firing 3 value_high") })
        let firing = d.alertManager.firing()
        let alert = try #require(firing.first { $0.alert.rule == "value_high" })
        #expect(alert.state == .firing && alert.receivers == ["notifier"] && alert.lastNotified > 0 && alert.silencedBy.isEmpty)
        #expect(d.alertManager.outbox.kind == "sqlite")
        #expect(d.alertManager.counters.delivered.load(ordering: .relaxed) >= 1)
        d.publishSelfMetrics()
        d.shutdown()
        let store = StorageFactory.sqlite(path: "\(t.dir)/state/nazar.db")
        defer { store.close() }
        let metrics = Dictionary(try store.latest(host: "testhost").map { ($0.series.metric, $0.value) }, uniquingKeysWith: { $1 })
        #expect((metrics["nazar.alerting.delivered"] ?? 0) >= 1, "\(metrics.keys.sorted())")
        #expect(metrics["nazar.alerting.notify_failed"] == 0)
        #expect(metrics["nazar.alerting.outbox_depth"] == 0)
        #expect(metrics["nazar.alerting.bus_dropped"] == 0)
        let delivered = try store.outboxEntries(OutboxFilter(notifier: "notifier", states: [.delivered]))
        #expect(delivered.count >= 1)
        #expect(delivered.first.flatMap { try? GroupNotification(payload: $0.payload) }?.alert.rule == "value_high")
    }

    @Test func withoutStorageTheOutboxIsInMemoryAndStillDelivers() throws {
        let t = try TestSetup()
        try setUp(t)
        try (t.read("nazar.toml") + "\n[storage]\nbackend = \"none\"\n").write(toFile: t.configPath, atomically: true, encoding: .utf8)
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        #expect(d.alertManager.outbox.kind == "memory")
        #expect(eventually { t.read("alerts.out").contains("firing 3 value_high") })
    }

    @Test func anAgentWithoutNotifiersDoesNotRunTheManager() throws {
        let t = try TestSetup()
        try t.plugin("example", "plugin = \"collector-example\"\ninterval = \"100ms\"\n")
        let d = try t.daemon()
        d.start()
        defer { d.shutdown() }
        #expect(!d.alertManager.isRunning)
    }
}
