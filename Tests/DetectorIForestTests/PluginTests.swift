import Foundation
import PluginKit
import Testing

/// The real shared library through its C descriptor: learning, scoring, alerting,
/// persistence, bad data.
@Suite("detector-iforest through the C ABI", .serialized)
struct PluginTests {
    static let metrics = ["cpu.total", "load.1", "mem.used_percent"]
    static let s: Int64 = 1_000_000_000
    static let t0: Int64 = 1_700_000_000 * s

    /// A normal row: the three metrics move together (load follows CPU), with noise.
    static func normalRow(_ rng: inout SplitMix64) -> [Double] {
        let cpu = 20 + 10 * rng.nextUnitDouble()
        return [cpu, cpu / 20 + 0.2 * rng.nextUnitDouble(), 40 + 2 * rng.nextUnitDouble()]
    }

    static func config(_ extra: String = "") -> String {
        #"{"metrics": ["cpu.total", "load.1", "mem.used_percent"], "step": "10s", "baseline": 300, "model": "sys""#
            + (extra.isEmpty ? "" : ", " + extra) + "}"
    }

    /// Feeds `rows` normal rows from t0 every 10 s; returns the next timestamp.
    @discardableResult
    static func feedNormal(_ d: DetectorInstance, rows: Int, from t: Int64 = t0, seed: UInt64 = 1, host: String = "web1") throws -> Int64 {
        var rng = SplitMix64(seed: seed)
        var ts = t
        for _ in 0..<rows {
            try d.feed(normalRow(&rng), metrics: metrics, host: host, timestamp: ts)
            ts += 10 * s
        }
        return ts
    }

    @Test("learns from the baseline, scores every later row, fires after 3 anomalous rows and resolves after 3 normal ones")
    func learnScoreAlert() throws {
        let dir = try TestPaths.makeTemporaryDirectory("iforest")
        let host = FakeHost(stateDirectory: dir)
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""consecutive": 3, "rule": "sys_anomaly""#))
        try d.start()
        defer { d.close() }
        var ts = try PluginTests.feedNormal(d, rows: 300)
        #expect(eventually { host.logs(event: "model_trained").count == 1 })
        #expect(host.scores.isEmpty)  // nothing scored before the model exists

        ts = try PluginTests.feedNormal(d, rows: 20, from: ts, seed: 2)
        let normal = host.scores
        #expect(normal.count == 20)
        #expect(normal.allSatisfy { $0 > 0 && $0 < 0.6 })
        let p = host.published.last!
        #expect(p.labels == ["host": "web1", "model": "sys", "rule": "sys_anomaly"])
        #expect(p.timestamp == ts - 10 * PluginTests.s)

        // Idle CPU, high load, memory far above its usual band.
        for i in 0..<3 {
            #expect(host.alerts.isEmpty, "fired after \(i) rows")
            try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts)
            ts += 10 * PluginTests.s
        }
        let fired = try #require(host.alerts.first)
        #expect(fired.firing && fired.rule == "sys_anomaly")
        #expect(fired.labels == ["host": "web1", "model": "sys", "metric": "cpu.total,load.1,mem.used_percent"])
        #expect(fired.summary.contains("isolation score 0."))
        #expect(fired.summary.contains("≥ 0.65 for 3 rows over a baseline of 300 rows over 49m 50s"))
        #expect(fired.summary.contains("most isolating: load.1") || fired.summary.contains("most isolating: cpu.total"))
        #expect(fired.score >= 0.65)

        ts = try PluginTests.feedNormal(d, rows: 3, from: ts, seed: 3)
        #expect(host.alerts.count == 2)
        #expect(host.alerts.last?.firing == false)
        #expect(host.alerts.last?.summary.contains("< 0.65 for 3 rows") == true)
    }

    @Test("the model is persisted and loaded at start: a restart scores at once without relearning")
    func persistence() throws {
        let dir = try TestPaths.makeTemporaryDirectory("iforest")
        let first = FakeHost(stateDirectory: dir)
        let a = try DetectorInstance.create(first, config: PluginTests.config())
        try a.start()
        let ts = try PluginTests.feedNormal(a, rows: 300)
        #expect(eventually { FileManager.default.fileExists(atPath: "\(dir)/sys@web1.iforest") })
        #expect(eventually { first.logs(event: "model_trained").count == 1 })
        try a.feed([25, 1.3, 41], metrics: PluginTests.metrics, timestamp: ts)
        let before = try #require(first.scores.last)
        a.close()

        let second = FakeHost(stateDirectory: dir)
        let b = try DetectorInstance.create(second, config: PluginTests.config())
        try b.start()
        defer { b.close() }
        #expect(second.logs(event: "model_loaded").count == 1)
        try b.feed([25, 1.3, 41], metrics: PluginTests.metrics, timestamp: ts + 10 * PluginTests.s)
        #expect(second.scores == [before])
        #expect(second.logs(event: "model_trained").isEmpty)
    }

    @Test("a corrupt model file is ignored with a warning and the model relearnt")
    func corruptModelFile() throws {
        let dir = try TestPaths.makeTemporaryDirectory("iforest")
        try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: "\(dir)/sys@web1.iforest"))
        let host = FakeHost(stateDirectory: dir)
        let d = try DetectorInstance.create(host, config: PluginTests.config())
        try d.start()
        defer { d.close() }
        let ignored = host.logs(event: "model_ignored")
        #expect(ignored.count == 1)
        #expect(ignored.first?.contains("sys@web1.iforest") == true)
        #expect(host.logs.first { $0.fields["NAZAR_EVENT"] == "model_ignored" }?.level == 4)
        try PluginTests.feedNormal(d, rows: 300)
        #expect(eventually { host.logs(event: "model_trained").count == 1 })
        // The relearnt model replaced the bad file with a good one.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/sys@web1.iforest")))
        #expect(bytes.count > 1000)
    }

    @Test("a model trained on other metrics is not reused")
    func incompatibleModelFile() throws {
        let dir = try TestPaths.makeTemporaryDirectory("iforest")
        let a = try DetectorInstance.create(FakeHost(stateDirectory: dir), config: PluginTests.config())
        try a.start()
        try PluginTests.feedNormal(a, rows: 300)
        #expect(eventually { FileManager.default.fileExists(atPath: "\(dir)/sys@web1.iforest") })
        a.close()
        let host = FakeHost(stateDirectory: dir)
        let other = #"{"metrics": ["cpu.total", "load.5", "mem.used_percent"], "baseline": 300, "model": "sys"}"#
        let b = try DetectorInstance.create(host, config: other)
        try b.start()
        defer { b.close() }
        #expect(host.logs(event: "model_ignored").first?.contains("trained for other metrics or settings") == true)
    }

    @Test("fit_rows: learns from exactly the first N rows, then only scores; same seed, same scores")
    func fitRows() throws {
        func run() throws -> [Double] {
            let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
            let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 200, "seed": 4"#))
            try d.start()
            defer { d.close() }
            var ts = try PluginTests.feedNormal(d, rows: 200)
            #expect(host.scores.isEmpty)
            #expect(host.logs(event: "model_trained").first?.contains("from 200 rows") == true)
            // The second pass: the same rows again, now scored.
            ts = try PluginTests.feedNormal(d, rows: 200, from: ts)
            try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts)
            // No retraining and no model file in replay mode.
            #expect(host.logs(event: "model_trained").count == 1)
            return host.scores
        }
        let a = try run()
        #expect(a.count == 201)
        #expect(a.last! > a.dropLast().max()!)
        #expect(try run() == a)
    }

    @Test("NaN and infinite values: the row is skipped, counted and reported once")
    func nonFiniteRows() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 50"#))
        try d.start()
        defer { d.close() }
        var ts = try PluginTests.feedNormal(d, rows: 50)
        try d.feed([.nan, 1, 40], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        try d.feed([25, .infinity, 40], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        try d.feed([25, 1, 1e300], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        #expect(host.scores.isEmpty)
        let warnings = host.logs(event: "row_non_finite")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("cpu.total is NaN, infinite or beyond float32") == true)
        try d.feed([25, 1.3, 41], metrics: PluginTests.metrics, timestamp: ts)
        #expect(host.scores.count == 1)
    }

    @Test("a series that disappears: its rows are dropped with one warning naming it; it scores again when back")
    func disappearingSeries() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 50"#))
        try d.start()
        defer { d.close() }
        var ts = try PluginTests.feedNormal(d, rows: 50)
        for _ in 0..<3 {
            try d.feed([25, nil, 41], metrics: PluginTests.metrics, timestamp: ts)
            ts += 10 * PluginTests.s
        }
        try d.feed([25, 1.3, 41], metrics: PluginTests.metrics, timestamp: ts)
        let warnings = host.logs(event: "row_incomplete")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("dropped a row without load.1") == true)
        #expect(host.scores.count == 1)
    }

    @Test("series still appearing at start (rates need two samples) are not warned about")
    func appearingSeries() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 50"#))
        try d.start()
        defer { d.close() }
        try d.feed([nil, 1, 41], metrics: PluginTests.metrics, timestamp: PluginTests.t0 - 10 * PluginTests.s)
        try PluginTests.feedNormal(d, rows: 50)
        #expect(host.logs(event: "row_incomplete").isEmpty)
        #expect(host.logs(event: "model_trained").count == 1)
    }

    @Test("a gap in time restarts the count of consecutive anomalous rows")
    func gapResetsRun() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 300, "consecutive": 3"#))
        try d.start()
        defer { d.close() }
        var ts = try PluginTests.feedNormal(d, rows: 300)
        try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts); ts += 3600 * PluginTests.s
        try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        #expect(host.alerts.isEmpty)
        try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        try d.feed([2, 9, 80], metrics: PluginTests.metrics, timestamp: ts)
        #expect(host.alerts.count == 1)
    }

    @Test("a constant metric is harmless: never split on, scores stay in range")
    func constantMetric() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 200"#))
        try d.start()
        defer { d.close() }
        var rng = SplitMix64(seed: 5)
        var ts = PluginTests.t0
        for _ in 0..<200 {
            var row = PluginTests.normalRow(&rng)
            row[2] = 50  // memory never moves
            try d.feed(row, metrics: PluginTests.metrics, timestamp: ts)
            ts += 10 * PluginTests.s
        }
        try d.feed([25, 1.3, 50], metrics: PluginTests.metrics, timestamp: ts); ts += 10 * PluginTests.s
        try d.feed([25, 1.3, 99], metrics: PluginTests.metrics, timestamp: ts)
        // With no split on memory, its value cannot change the score.
        #expect(host.scores.count == 2)
        #expect(host.scores[0] == host.scores[1])
    }

    @Test("one model per host; other metrics and per-core series are ignored")
    func perHost() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""fit_rows": 50"#))
        try d.start()
        defer { d.close() }
        try PluginTests.feedNormal(d, rows: 50, host: "web1")
        try PluginTests.feedNormal(d, rows: 20, host: "db1")
        try d.feed([99, 9, 99], metrics: PluginTests.metrics, host: "web1", timestamp: PluginTests.t0, extraLabels: [("core", "0")])
        try d.feed([1], metrics: ["disk.used_percent"], host: "web1", timestamp: PluginTests.t0)
        #expect(host.logs(event: "model_trained").count == 1)
        #expect(host.scores.isEmpty)
        try PluginTests.feedNormal(d, rows: 30, from: PluginTests.t0 + 200 * 10 * PluginTests.s, host: "db1")
        #expect(host.logs(event: "model_trained").count == 2)
        #expect(host.scores.isEmpty)
    }

    @Test("retraining runs on the background thread and is swapped in")
    func retraining() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        let d = try DetectorInstance.create(host, config: PluginTests.config(#""retrain_interval": "1h""#))
        try d.start()
        defer { d.close() }
        var ts = try PluginTests.feedNormal(d, rows: 300)
        #expect(eventually { host.logs(event: "model_trained").count == 1 })
        ts = try PluginTests.feedNormal(d, rows: 370, from: ts, seed: 9)
        #expect(eventually { host.logs(event: "model_trained").count == 2 })
        try PluginTests.feedNormal(d, rows: 1, from: ts, seed: 10)  // the swap happens on the next call
        #expect(host.logs(event: "model_trained").last?.contains("retrained model sys for web1 from 300 rows") == true)
    }

    @Test("a bad config is refused at create with the key named")
    func badConfig() throws {
        let host = FakeHost(stateDirectory: try TestPaths.makeTemporaryDirectory("iforest"))
        #expect(try DetectorInstance.createError(host, config: #"{"metrics": ["a"], "threshold": 2}"#).contains("'threshold'"))
        #expect(try DetectorInstance.createError(host, config: "{}").contains("'metrics'"))
        #expect(try DetectorInstance.createError(host, config: #"{"metrics": ["a"], "fit_row": 3}"#).contains("'fit_row': unknown key"))
    }
}
