// Storage benchmarks: insert throughput per backend (batches as StorageWriter writes them),
// range-query latency (24 h raw at 10 s; 7 days through the 1-minute roll-up), and bytes
// on disk per point. PostgreSQL is the server scripts/start-postgres runs.
import Foundation
import Host

enum StorageBench {
    static let second: Int64 = 1_000_000_000

    static var postgresDSN: String? {
        let env = ProcessInfo.processInfo.environment
        if let dsn = env["NAZAR_TEST_PG_DSN"], !dsn.isEmpty { return dsn }
        return (try? String(contentsOfFile: (env["NAZAR_PG_STATE"] ?? "/run/nazar-test") + "/pg.dsn", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A fresh store and how to remove it.
    static func makeStore(_ backend: String) throws -> (any Storage, () -> Void) {
        let (store, cleanup, _) = try makeStoreWithSQL(backend)
        return (store, cleanup)
    }

    /// Also a way to run SQL on a PostgreSQL store's schema through psql (nil for SQLite).
    static func makeStoreWithSQL(_ backend: String) throws -> (any Storage, () -> Void, ((String) throws -> Void)?) {
        if backend == "sqlite" {
            let dir = try temporaryDirectory()
            let s = StorageFactory.sqlite(path: "\(dir)/nazar.db")
            try s.open()
            return (s, { s.close(); try? FileManager.default.removeItem(atPath: dir) }, nil)
        }
        guard let dsn = postgresDSN else { throw BenchError(description: "PostgreSQL not running: scripts/start-postgres") }
        let schema = "bench_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let s = StorageFactory.postgresql(dsn: dsn, schema: schema)
        try s.open()
        func psql(_ sql: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            p.arguments = ["-q", "-v", "ON_ERROR_STOP=1", dsn, "-c", "SET client_min_messages = warning; SET search_path TO \(schema); \(sql)"]
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw BenchError(description: "psql failed: \(sql.prefix(80))") }
        }
        return (s, { s.close(); try? psql("DROP SCHEMA \(schema) CASCADE") }, psql)
    }

    static func registerSeries(_ s: any Storage, count: Int) throws -> [Int64] {
        try (0..<count).map { i in
            try s.seriesID(metric: "bench.metric\(i % 10)", labels: [.init("host", "bench"), .init("instance", "i\(i)")])
        }
    }

    /// Points/s of `Storage.write` in batches of `batch`, `series` series at 10 s
    /// intervals (the shape of a collector fleet), and bytes on disk per point after.
    /// This process's user + system CPU time in seconds.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func insert(_ backend: String, points: Int, series: Int, batch: Int) throws -> (rate: Double, cpuRate: Double, bytesPerPoint: Double) {
        let (store, cleanup) = try makeStore(backend)
        defer { cleanup() }
        let ids = try registerSeries(store, count: series)
        let base = wallClockNanoseconds() - 6 * 86_400 * second
        var buffer = [StoredPoint](repeating: StoredPoint(series: 0, timestamp: 0, value: 0), count: batch)
        var written = 0
        let cpuStart = cpuSeconds()
        let start = monotonicNanoseconds()
        while written < points {
            let n = min(batch, points - written)
            for j in 0..<n {
                let i = written + j
                buffer[j] = StoredPoint(series: ids[i % series], timestamp: base + Int64(i / series) * 10 * second,
                                        value: Double(i % 977) * 0.25)
            }
            _ = try buffer.withUnsafeBufferPointer { try store.write(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            written += n
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let cpu = cpuSeconds() - cpuStart
        let bytes = try store.bytesOnDisk()
        return (Double(points) / seconds, Double(points) / cpu, Double(bytes) / Double(points))
    }

    struct QueryResult {
        var raw24h: [Double]
        var minute7d: [Double]
        var rawSamples: Int
        var minuteSamples: Int
        var bytesPerRawPoint: Double
        var storedPoints: Int
    }

    /// `series` series of 7 days at 10 s, rolled up; then latency of a 24 h raw query at
    /// 10 s steps (8,640 points) and of 7 days at 5 min steps from the 1-minute tier.
    static func queries(_ backend: String, series: Int, repeats: Int) throws -> QueryResult {
        let (store, cleanup) = try makeStore(backend)
        defer { cleanup() }
        let ids = try registerSeries(store, count: series)
        let now = wallClockNanoseconds() / (60 * second) * (60 * second)
        let start = now - 7 * 86_400 * second + 3600 * second
        let perSeries = Int((now - start) / (10 * second))
        var batch: [StoredPoint] = []
        batch.reserveCapacity(20_000)
        for k in 0..<perSeries {
            for id in ids {
                batch.append(StoredPoint(series: id, timestamp: start + Int64(k) * 10 * second, value: sin(Double(k) / 100) * 50 + 50))
            }
            if batch.count >= 20_000 {
                try batch.withUnsafeBufferPointer { _ = try store.write($0) }
                batch.removeAll(keepingCapacity: true)
            }
        }
        try batch.withUnsafeBufferPointer { _ = try store.write($0) }
        try store.maintain(now: now)
        let target = ids[series / 2]
        var raw: [Double] = []
        var minute: [Double] = []
        var rawSamples = 0
        var minuteSamples = 0
        for _ in 0..<repeats {
            var t = monotonicNanoseconds()
            let r = try store.range(series: target, from: now - 86_400 * second, to: now, step: 10 * second,
                                    aggregation: .mean, tier: nil, now: now)
            raw.append(Double(monotonicNanoseconds() - t) / 1e6)
            rawSamples = r.samples.count
            guard r.tier == .raw else { throw BenchError(description: "24 h at 10 s picked \(r.tier)") }
            t = monotonicNanoseconds()
            let m = try store.range(series: target, from: start, to: now, step: 300 * second,
                                    aggregation: .mean, tier: nil, now: now)
            minute.append(Double(monotonicNanoseconds() - t) / 1e6)
            minuteSamples = m.samples.count
            guard m.tier == .minute else { throw BenchError(description: "7 d at 5 min picked \(m.tier)") }
        }
        let total = perSeries * series
        return QueryResult(raw24h: raw, minute7d: minute, rawSamples: rawSamples, minuteSamples: minuteSamples,
                           bytesPerRawPoint: Double(try store.bytesOnDisk()) / Double(total), storedPoints: total)
    }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
    }

    static func run(runs: Int) throws {
        let points = 2_000_000
        print("load average at start: \(loadAverage())")
        print("\n| backend | operation | batch | series | points | runs | median points/s | min | max | points per CPU-second of nazar-bench | bytes on disk / point |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        // Interleaved, so both backends see the same background load.
        var rates: [String: [Double]] = [:]
        var cpuRates: [String: [Double]] = [:]
        var bytes: [String: [Double]] = [:]
        // NAZAR_BENCH_STORAGE_BATCH: the points per Storage.write (the writer's
        // transaction), 20,000 by default; NAZAR_BENCH_STORAGE_BACKENDS: which backends.
        let batch = Int(ProcessInfo.processInfo.environment["NAZAR_BENCH_STORAGE_BATCH"] ?? "") ?? 20_000
        let backends = (ProcessInfo.processInfo.environment["NAZAR_BENCH_STORAGE_BACKENDS"] ?? "sqlite,postgresql")
            .split(separator: ",").map(String.init)
        for _ in 0..<runs {
            for backend in backends {
                let r = try insert(backend, points: points, series: 1000, batch: batch)
                rates[backend, default: []].append(r.rate)
                cpuRates[backend, default: []].append(r.cpuRate)
                bytes[backend, default: []].append(r.bytesPerPoint)
            }
        }
        for backend in backends {
            let r = rates[backend] ?? [0]
            // The PostgreSQL server's own CPU is in another process: only SQLite's column is the whole cost.
            let cpu = backend == "sqlite" ? String(format: "%.0f k", median(cpuRates[backend] ?? [0]) / 1e3) : "n/a (server CPU not counted)"
            print(String(format: "| %@ | Storage.write, idempotent | %d | 1000 | %d | %d | %.0f k | %.0f k | %.0f k | %@ | %.1f |",
                         backend, batch, points, runs, median(r) / 1e3, (r.min() ?? 0) / 1e3, (r.max() ?? 0) / 1e3, cpu, median(bytes[backend] ?? [0])))
        }
        print("load average at end: \(loadAverage())")
        print("\n| backend | query | tier | samples returned | runs | median ms | p95 ms | max ms | bytes on disk / raw point (all tiers) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for backend in ["sqlite", "postgresql"] {
            let q = try queries(backend, series: 20, repeats: max(20, runs * 10))
            print(String(format: "| %@ | 24 h of one series at 10 s, mean | raw | %d | %d | %.2f | %.2f | %.2f | %.1f |",
                         backend, q.rawSamples, q.raw24h.count, median(q.raw24h), percentile(q.raw24h, 0.95), q.raw24h.max() ?? 0, q.bytesPerRawPoint))
            print(String(format: "| %@ | 7 days of one series at 5 min, mean | 1m | %d | %d | %.2f | %.2f | %.2f | (%d points stored) |",
                         backend, q.minuteSamples, q.minute7d.count, median(q.minute7d), percentile(q.minute7d, 0.95), q.minute7d.max() ?? 0, q.storedPoints))
        }
    }
}
