import Foundation
import Testing
@testable import Host

/// The daemon's storage writer, with the default embedded SQLite store.
@Suite struct DaemonStorageTests {
    @Test func everyPublishedPointAndAlertIsStoredByShutdown() throws {
        let t = try TestSetup()
        try t.rampAndDetector()
        let d = try t.daemon()
        d.start()
        #expect(d.storageWriter != nil)
        #expect(eventually { (Int(t.read("detector.out").split(separator: " ").first ?? "") ?? 0) >= 5 })
        // The writer's counters are published as self-metrics.
        d.publishSelfMetrics()
        let published = try #require(d.instance(named: "example")).stats.pointsPublished.load(ordering: .relaxed)
        d.shutdown()
        #expect(d.storageWriter == nil)

        // The file is where the default says, and holds every point the collector published
        // before it stopped: the writer stops after the collectors.
        let store = StorageFactory.sqlite(path: "\(t.dir)/state/nazar.db")
        defer { store.close() }
        let series = try store.series(matching: [LabelMatcher("__name__", .equal, "example.value")])
        let s = try #require(series.first)
        #expect(s.label("host") == "testhost")
        var count = 0.0
        for id in try store.series(matching: [LabelMatcher("host", .equal, "testhost")]).map(\.id) {
            count += try store.range(series: id, from: 0, to: .max / 2, step: .max / 2, aggregation: .count,
                                     tier: .raw, now: wallClockNanoseconds()).samples.first?.value ?? 0
        }
        #expect(Int(count) >= Int(published))
        let alerts = try store.alertHistory(AlertHistoryFilter(rule: "value_high"))
        #expect(alerts.contains { $0.state == "firing" })
        #expect(try store.latest(host: "testhost").contains { $0.series.id == s.id })
        // The writer's own counters went over the bus into the store too.
        let own = try store.series(matching: [LabelMatcher("__name__", .equal, "nazar.storage.points_written")])
        #expect(own.map { $0.label("backend") } == ["sqlite"])
        let ownLatest = try store.latest(host: "testhost").first { $0.series.metric == "nazar.storage.points_written" }
        #expect((ownLatest?.value ?? 0) > 0)
    }

    @Test func backendNoneStoresNothing() throws {
        let t = try TestSetup()
        try (t.read("nazar.toml") + "\n[storage]\nbackend = \"none\"\n").write(toFile: t.configPath, atomically: true, encoding: .utf8)
        let d = try t.daemon()
        d.start()
        #expect(d.storageWriter == nil)
        d.shutdown()
        #expect(access("\(t.dir)/state/nazar.db", F_OK) != 0)
    }
}
