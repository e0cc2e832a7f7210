import Foundation
import Testing
@testable import Host

/// `nazarctl query` and `nazarctl series` against a store with known points, opened the
/// way an admin does: through nazar.toml's `[storage]` table, SQLite and PostgreSQL.
@Suite(.serialized) struct NazarctlQueryTests {
    func nazarctl(_ args: [String]) throws -> (code: Int32, output: String) { try runNazarctl(args) }

    static let second: Int64 = 1_000_000_000
    /// An hour ending at the last whole hour before now: inside every tier's retention.
    let base = (wallClockNanoseconds() / (3600 * second) - 1) * 3600 * second

    /// cpu.total for web1 (value = index, every 10 s for an hour) and web2 (value 100),
    /// mem.used for web1; rolled up. Returns the config path.
    func fill(_ kind: StoreUnderTest.Kind, dir: String) throws -> (config: String, store: StoreUnderTest)? {
        guard let store = try StoreUnderTest.make(kind, dir: dir, tag: TestBroker.runID()) else { return nil }
        let storage = store.open()
        try storage.open()
        defer { storage.close() }
        let web1 = try storage.seriesID(metric: "cpu.total", labels: [.init("core", "0"), .init("host", "web1")])
        let web2 = try storage.seriesID(metric: "cpu.total", labels: [.init("core", "0"), .init("host", "web2")])
        let mem = try storage.seriesID(metric: "mem.used", labels: [.init("host", "web1")])
        var points: [StoredPoint] = []
        for i in 0..<360 {
            let t = base + Int64(i) * 10 * Self.second
            points.append(StoredPoint(series: web1, timestamp: t, value: Double(i)))
            points.append(StoredPoint(series: web2, timestamp: t, value: 100))
        }
        points.append(StoredPoint(series: mem, timestamp: base + 42 * Self.second, value: 1.5e9))
        try points.withUnsafeBufferPointer { _ = try storage.write($0) }
        try storage.maintain(now: base + 3600 * Self.second + 120 * Self.second)
        let config = try writeConfig(in: dir, plugins: [:])
        let text = try String(contentsOfFile: config, encoding: .utf8) + "\n" + store.configTable
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, store)
    }

    @Test(arguments: [StoreUnderTest.Kind.sqlite, .postgresql])
    func rangesAtAStepWithEachFormatAndTier(_ kind: StoreUnderTest.Kind) throws {
        let dir = try TestPaths.makeTemporaryDirectory("query")
        guard let (config, store) = try fill(kind, dir: dir).map({ ($0.config, $0.store) }) else { return }
        defer { store.cleanup() }
        let from = QueryTime.format(base), to = QueryTime.format(base + 3600 * Self.second)

        let csv = try nazarctl(["query", "--config", config, "cpu.total{host=\"web1\"}", "--from", from, "--to", to,
                                "--step", "10m", "--agg", "count", "--tier", "raw", "--format", "csv"])
        #expect(csv.code == 0, "\(csv.output)")
        let rows = csv.output.split(separator: "\n").map(String.init)
        #expect(rows.first == "series,time,timestamp_ns,value")
        #expect(rows.count == 7, "\(csv.output)")
        let t0 = base
        #expect(rows.dropFirst().first == "\"cpu.total{core=\"\"0\"\",host=\"\"web1\"\"}\",\(QueryTime.format(t0)),\(t0),60")

        // Mean of 0…59 is 29.5 in the first 10 minutes; the 1m roll-up gives the same.
        for tier in ["raw", "1m"] {
            let json = try nazarctl(["query", "--config", config, "cpu.total{host=\"web1\"}", "--from", from, "--to", to,
                                     "--step", "10m", "--tier", tier, "--format", "json"])
            #expect(json.code == 0, "\(json.output)")
            #expect(json.output.contains("\"tier\":\"\(tier)\""), "\(json.output)")
            #expect(json.output.contains("[[\(t0),29.5],[\(t0 + 600 * Self.second),89.5],"), "\(json.output)")
        }
        // Auto picks the 1-minute tier for a 10-minute step.
        let auto = try nazarctl(["query", "--config", config, "cpu.total{host=\"web1\"}", "--from", from, "--to", to, "--step", "10m"])
        #expect(auto.output.contains("(tier 1m, 6 samples)"), "\(auto.output)")
        #expect(auto.output.contains("\(QueryTime.format(t0))  29.5"), "\(auto.output)")

        // A regex over both hosts: two series, each with its own block; a 1 h step reads the 1 h roll-up.
        let both = try nazarctl(["query", "--config", config, "{__name__=\"cpu.total\",host=~\"web.*\"}", "--from", from, "--to", to,
                                 "--step", "1h", "--agg", "max"])
        #expect(both.output.contains("cpu.total{core=\"0\",host=\"web1\"}  (tier 1h, 1 sample)"), "\(both.output)")
        #expect(both.output.contains("cpu.total{core=\"0\",host=\"web2\"}  (tier 1h, 1 sample)"), "\(both.output)")
        #expect(both.output.contains("  359\n") && both.output.contains("  100\n"), "\(both.output)")
    }

    @Test(arguments: [StoreUnderTest.Kind.sqlite, .postgresql])
    func seriesAndLatestValues(_ kind: StoreUnderTest.Kind) throws {
        let dir = try TestPaths.makeTemporaryDirectory("query")
        guard let (config, store) = try fill(kind, dir: dir).map({ ($0.config, $0.store) }) else { return }
        defer { store.cleanup() }
        let list = try nazarctl(["series", "--config", config, "{host=~\"web.*\"}"])
        #expect(list.code == 0)
        #expect(list.output == "cpu.total{core=\"0\",host=\"web1\"}\ncpu.total{core=\"0\",host=\"web2\"}\nmem.used{host=\"web1\"}\n")
        let excluded = try nazarctl(["series", "--config", config, "cpu.total{host!~\"web1|web3\"}", "--format", "csv"])
        #expect(excluded.output.hasPrefix("series,metric,id\n\"cpu.total{core=\"\"0\"\",host=\"\"web2\"\"}\",cpu.total,"), "\(excluded.output)")

        let latest = try nazarctl(["query", "--config", config, "--latest", "--host", "web1", "--format", "json"])
        #expect(latest.code == 0, "\(latest.output)")
        #expect(latest.output.contains("{\"metric\":\"cpu.total\",\"labels\":{\"core\":\"0\",\"host\":\"web1\"},\"timestamp\":\(base + 3590 * Self.second),\"value\":359}"),
                "\(latest.output)")
        #expect(latest.output.contains("{\"metric\":\"mem.used\",\"labels\":{\"host\":\"web1\"},\"timestamp\":\(base + 42 * Self.second),\"value\":1500000000}"),
                "\(latest.output)")
        #expect(!latest.output.contains("web2"))
    }

    @Test func mistakesAreNamedAndNothingIsCreated() throws {
        let dir = try TestPaths.makeTemporaryDirectory("query")
        guard let (config, store) = try fill(.sqlite, dir: dir).map({ ($0.config, $0.store) }) else { return }
        defer { store.cleanup() }
        let badSelector = try nazarctl(["query", "--config", config, "cpu{host=\"web1\""])
        #expect(badSelector.code == 64 && badSelector.output.contains("missing closing '}'"), "\(badSelector.output)")
        let badTime = try nazarctl(["query", "--config", config, "cpu", "--from", "yesterday"])
        #expect(badTime.code != 0 && badTime.output.contains("--from: 'yesterday' is not a time"), "\(badTime.output)")
        let backwards = try nazarctl(["query", "--config", config, "cpu", "--from", "-1h", "--to", "-2h"])
        #expect(backwards.code == 64 && backwards.output.contains("is not after --from"), "\(backwards.output)")
        let badAgg = try nazarctl(["query", "--config", config, "cpu", "--agg", "median"])
        #expect(badAgg.code == 64 && badAgg.output.contains("--agg 'median'"), "\(badAgg.output)")
        let noHost = try nazarctl(["query", "--config", config, "--latest"])
        #expect(noHost.code == 64 && noHost.output.contains("--latest needs --host"), "\(noHost.output)")

        // Read-only: a store that does not exist is an error naming it, and is not created.
        let missing = "\(dir)/missing.db"
        try (try String(contentsOfFile: config, encoding: .utf8)).replacingOccurrences(of: "\(dir)/central.db", with: missing)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let absent = try nazarctl(["series", "--config", config])
        #expect(absent.code != 0 && absent.output.contains(missing), "\(absent.output)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
