// Series lookup by label matchers over 100,000 series (1,000 hosts × 10 metrics × 10
// cores), the query behind `nazarctl series` and the API's selectors: equality matchers
// are SQL conditions; regex matchers (=~, !~) are checked in Swift on the rows the SQL
// returns (PostgreSQL also narrows them with its own `~` when the pattern is simple).
import Foundation
import Host

enum SeriesMatchBench {
    static func run(runs: Int) throws {
        let count = 100_000
        print("load average at start: \(StorageBench.loadAverage())")
        print("\n| backend | selector | series matched | runs | median ms | max ms |")
        print("|---|---|---|---|---|---|")
        for backend in ["sqlite", "postgresql"] {
            let (store, cleanup, sql) = try StorageBench.makeStoreWithSQL(backend)
            defer { cleanup() }
            let started = Date()
            try registerGrid(store, sql: sql, count: count, metricPrefix: "cpu.m")
            // Both ways give the same series: seriesID finds the bulk-inserted row.
            let probe = try store.seriesID(metric: "cpu.m2", labels: [.init("core", "3"), .init("host", "web420")])
            guard try store.series(matching: [LabelMatcher("__name__", .equal, "cpu.m2"), LabelMatcher("host", .equal, "web420"), LabelMatcher("core", .equal, "3")]).map(\.id) == [probe] else {
                throw BenchError(description: "\(backend): series registration differs from seriesID's")
            }
            print("<!-- \(backend): registered \(count) series in \(String(format: "%.1f", Date().timeIntervalSince(started))) s -->")
            let selectors = [
                "{host=\"web420\"}", "cpu.m3{host=\"web420\"}", "{host=~\"web42.\"}", "cpu.m3{host=~\"web4.*\"}",
                "{host=~\"web(1|2)00\",core!~\"[0-4]\"}",
            ]
            for text in selectors {
                let matchers = try SeriesSelector.parse(text)
                var times: [Double] = []
                var matched = 0
                for _ in 0..<max(3, runs) {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    matched = try store.series(matching: matchers).count
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                print(String(format: "| %@ | `%@` | %d | %d | %.1f | %.1f |", backend, text, matched, times.count, median(times),
                             times.max() ?? 0))
            }
        }
        print("load average at end: \(StorageBench.loadAverage())")
    }

    /// Registers `count` series `<metricPrefix><(i/10)%10>{core="<i%10>",host="web<i/100>"}`
    /// (100 per host). On PostgreSQL (`sql` given) one statement instead of `count`
    /// autocommitted registrations (minutes on a loaded box); the rows are what `seriesID`
    /// writes (keys sorted, same JSON), which the callers check with a probe.
    static func registerGrid(_ store: any Storage, sql: ((String) throws -> Void)?, count: Int, metricPrefix: String) throws {
        if let sql {
            try sql("""
                INSERT INTO series (metric, label_key, labels, host)
                SELECT '\(metricPrefix)' || ((i / 10) % 10), 'core=' || (i % 10) || ',host=web' || (i / 100),
                       jsonb_build_object('core', (i % 10)::text, 'host', 'web' || (i / 100)), 'web' || (i / 100)
                FROM generate_series(0, \(count - 1)) i; ANALYZE series
                """)
        } else {
            for i in 0..<count {
                _ = try store.seriesID(metric: "\(metricPrefix)\((i / 10) % 10)",
                                       labels: [.init("core", "\(i % 10)"), .init("host", "web\(i / 100)")])
            }
        }
    }
}
