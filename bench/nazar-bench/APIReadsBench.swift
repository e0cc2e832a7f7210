// The two reads behind the HTTP API that used to list every series (issue 8):
// `/api/v1/query?series=ID` (before: `series(matching: [])`, then a search for the id;
// now `Storage.series(id:)`, a primary-key lookup) and `/api/v1/hosts` (before: the series
// list, then `latest(host:)` and a count over the list per host; now `Storage.hosts()`,
// one statement). "before" is the routes' old code, run here on the same store in the
// same run, and its answers are checked equal to the new ones, so both measure one thing.
// 100 series per host, 10 raw points each, 10 s apart; PostgreSQL is the server
// scripts/start-postgres runs (native day partitions).
import Foundation
import Host

enum APIReadsBench {
    static func run(runs: Int) throws {
        print("load average at start: \(StorageBench.loadAverage())")
        print("\n| backend | series | hosts | read | before: median ms | after: median ms | before / after |")
        print("|---|---|---|---|---|---|---|")
        for backend in ["sqlite", "postgresql"] {
            for count in [10_000, 100_000] {
                try measure(backend: backend, count: count, runs: runs)
            }
        }
        print("load average at end: \(StorageBench.loadAverage())")
    }

    static func measure(backend: String, count: Int, runs: Int) throws {
        let (store, cleanup, sql) = try StorageBench.makeStoreWithSQL(backend)
        defer { cleanup() }
        let started = Date()
        let ids = try populate(store, sql: sql, count: count)
        print("<!-- \(backend): \(count) series and \(count * 10) points stored in \(String(format: "%.1f", Date().timeIntervalSince(started))) s -->")

        // By id: a spread of ids, the same for both ways.
        let probes = (0..<max(runs, 5)).map { ids[($0 * 7_919) % ids.count] }
        var before: [Double] = []
        for id in probes {
            let (ms, found) = try timed { try store.series(matching: []).first { $0.id == id } }
            guard let found, try store.series(id: id) == found else {
                throw BenchError(description: "\(backend): series(id: \(id)) differs from the listing's")
            }
            before.append(ms)
        }
        var after: [Double] = []
        for i in 0..<max(200, runs) {
            after.append(try timed { try store.series(id: ids[(i * 7_919) % ids.count]) }.ms)
        }
        row(backend, count, "`/api/v1/query?series=ID`: one series by id", before, after)

        // Hosts: the old route's loop against hosts().
        let expected = try store.hosts()
        before = []
        for _ in 0..<max(3, runs) {
            let (ms, old) = try timed { try hostsTheOldWay(store) }
            guard old == expected else { throw BenchError(description: "\(backend): hosts() differs from the old route's answer") }
            before.append(ms)
        }
        after = try (0..<max(5, runs)).map { _ in try timed { try store.hosts() }.ms }
        row(backend, count, "`/api/v1/hosts`: \(expected.count) hosts", before, after, hosts: expected.count)
    }

    /// What `/api/v1/hosts` ran before `Storage.hosts()`.
    static func hostsTheOldWay(_ s: any Storage) throws -> [HostSummary] {
        let all = try s.series(matching: [])
        let names = Set(all.compactMap { $0.label("host") }).sorted()
        return try names.map { h in
            HostSummary(host: h, seriesCount: all.filter { $0.label("host") == h }.count,
                        lastSeen: try s.latest(host: h).map(\.timestamp).max())
        }
    }

    /// `count` series `api.m<k>{host="web<i/100>",core="<i%10>"}` with 10 points each; their ids.
    static func populate(_ store: any Storage, sql: ((String) throws -> Void)?, count: Int) throws -> [Int64] {
        try SeriesMatchBench.registerGrid(store, sql: sql, count: count, metricPrefix: "api.m")
        let ids = try store.series(matching: []).map(\.id)
        guard ids.count == count else { throw BenchError(description: "registered \(ids.count) series, expected \(count)") }
        // The bulk rows are what seriesID writes: it finds one instead of adding a series.
        guard ids.contains(try store.seriesID(metric: "api.m2", labels: [.init("core", "3"), .init("host", "web42")])) else {
            throw BenchError(description: "series registration differs from seriesID's")
        }
        // Recent enough for the raw tier; ten points per series, written in store-sized batches.
        let base = wallClockNanoseconds() - 3_600 * StorageBench.second
        var batch: [StoredPoint] = []
        batch.reserveCapacity(10_000)
        for (n, id) in ids.enumerated() {
            for k in 0..<10 {
                batch.append(StoredPoint(series: id, timestamp: base + Int64(k * 10 + n % 10) * StorageBench.second, value: Double(k)))
            }
            if batch.count >= 10_000 {
                try batch.withUnsafeBufferPointer { _ = try store.write($0) }
                batch.removeAll(keepingCapacity: true)
            }
        }
        try batch.withUnsafeBufferPointer { _ = try store.write($0) }
        if let sql { try sql("ANALYZE points") }
        return ids
    }

    static func timed<T>(_ body: () throws -> T) throws -> (ms: Double, value: T) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, value)
    }

    static func row(_ backend: String, _ count: Int, _ what: String, _ before: [Double], _ after: [Double], hosts: Int? = nil) {
        let b = median(before), a = median(after)
        print(String(format: "| %@ | %d | %d | %@ | %.2f | %.3f | %.0f× |", backend, count, hosts ?? count / 100, what, b, a, a > 0 ? b / a : 0))
    }
}
