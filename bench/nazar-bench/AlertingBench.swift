// Alert manager benchmarks: alerts/s through de-duplication, grouping, routing and the
// outbox write (memory and SQLite), and end-to-end latency from a C detector's
// alert_raise() to a C notifier's notify() through a real Daemon with group_wait 0.
import Foundation
import Host
import Logging

enum AlertingBench {
    static func quietLogger() -> Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        return logger
    }

    /// Three notifiers, two routes (critical → pager and on; web hosts → slack) and the
    /// default route (mail), every wait 0 so each tick flushes what changed.
    static func manager(outbox: any NotificationOutbox) throws -> AlertManager {
        let zero = AlertGrouping(groupWait: .zero, groupInterval: .zero, repeatInterval: .seconds(3600))
        let routes = [
            AlertRouteConfig(severity: .critical, notifiers: ["pager"], continueMatching: true, grouping: zero),
            AlertRouteConfig(matchers: try LabelMatcher.parseList("{host=~\"web.*\"}"), notifiers: ["slack"], grouping: zero),
        ]
        let settings = AlertingSettings(grouping: zero, cooldown: .zero, routes: routes)
        let m = AlertManager(settings: settings, outbox: outbox, silences: nil, logger: quietLogger())
        let all = [try BindingPattern("alerts.#")]
        for name in ["pager", "slack", "mail"] { _ = m.registerNotifier(name: name, patterns: all) }
        return m
    }

    struct Throughput {
        var eventsPerSecond: Double
        var duplicatesPerSecond: Double
        var notifications: UInt64
    }

    /// `hosts` × `series` alerts raised, then resolved, `rounds` times, with a tick after
    /// every 1,000 events; then every alert raised again `rounds` times while firing (the
    /// de-duplication path alone).
    static func throughput(outbox: any NotificationOutbox, hosts: Int, series: Int, rounds: Int) throws -> Throughput {
        let m = try manager(outbox: outbox)
        var events: [AlertEvent] = []
        for h in 0..<hosts {
            for s in 0..<series {
                events.append(AlertEvent(rule: "cpu_high", severity: s % 2 == 0 ? .critical : .warning, state: .firing,
                                         labels: [("cpu", "\(s)"), ("host", h % 2 == 0 ? "web\(h)" : "db\(h)")],
                                         summary: "cpu 97%", value: 97, score: .nan, timestamp: 1, startsAt: 1, source: "bench"))
            }
        }
        let resolved = events.map { e -> AlertEvent in
            var r = e
            r.state = .resolved
            return r
        }
        var n = 0
        let t0 = monotonicNanoseconds()
        for _ in 0..<rounds {
            for batch in [events, resolved] {
                for e in batch {
                    m.receive(e)
                    n += 1
                    if n % 1000 == 0 { m.tick() }
                }
                m.tick()
            }
        }
        let elapsed = Double(monotonicNanoseconds() - t0) / 1e9
        for e in events { m.receive(e) }
        m.tick()
        let t1 = monotonicNanoseconds()
        for _ in 0..<rounds {
            for e in events { m.receive(e) }
            m.tick()
        }
        let dupElapsed = Double(monotonicNanoseconds() - t1) / 1e9
        return Throughput(eventsPerSecond: Double(n) / elapsed, duplicatesPerSecond: Double(rounds * events.count) / dupElapsed,
                          notifications: m.counters.enqueued.load(ordering: .relaxed))
    }

    /// Latencies (ns) of `count` alerts from alert_raise() in a C detector to notify() in a
    /// C notifier, through the bus, the manager (group_wait 0, one group per alert) and
    /// the outbox of `storage` ("sqlite" or "none").
    static func latency(storage: String, count: Int) throws -> [Double] {
        let dir = try temporaryDirectory()
        mkdir("\(dir)/plugins.d", 0o755)
        mkdir("\(dir)/lib", 0o755)
        try compile("\(repository)/bench/plugins/alert-latency.c", "\(dir)/lib/alert-latency-detector.so")
        try compileNotifier("\(repository)/bench/plugins/alert-latency.c", "\(dir)/lib/alert-latency-notifier.so")
        try """
            [daemon]
            hostname = "bench"
            state_directory = "\(dir)/state"
            [plugins]
            search_path = ["\(dir)/lib", "\(productsDirectory)"]
            [storage]
            backend = "\(storage)"
            [self_metrics]
            interval = "0s"
            [alerting]
            group_by = ["series"]
            group_wait = "0s"
            """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        try "plugin = \"alert-latency-notifier\"\nsubscribe = [\"alerts.#\"]\n[config]\nout = \"\(dir)/latency.out\"\n"
            .write(toFile: "\(dir)/plugins.d/notifier.toml", atomically: true, encoding: .utf8)
        try "plugin = \"alert-latency-detector\"\nsubscribe = [\"metrics.bench.#\"]\n[config]\ncount = \(count)\n"
            .write(toFile: "\(dir)/plugins.d/detector.toml", atomically: true, encoding: .utf8)
        // collector-example paces the detector: one raise per 100 ms batch.
        try compile("\(repository)/Plugins/examples/collector-example.c", "\(dir)/lib/collector-example.so")
        try "plugin = \"collector-example\"\ninterval = \"100ms\"\n".write(toFile: "\(dir)/plugins.d/pace.toml", atomically: true, encoding: .utf8)
        let daemon = try Daemon(options: DaemonOptions(configPath: "\(dir)/nazar.toml"), logger: quietLogger())
        daemon.start()
        defer {
            daemon.shutdown()
            try? FileManager.default.removeItem(atPath: dir)
        }
        let deadline = monotonicNanoseconds() + Int64(count) * 200_000_000 + 30_000_000_000
        var lines: [Double] = []
        while monotonicNanoseconds() < deadline {
            let text = (try? String(contentsOfFile: "\(dir)/latency.out", encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").compactMap { Double($0) }
            if lines.count >= count { break }
            usleep(100_000)
        }
        guard lines.count >= count else { throw BenchError(description: "only \(lines.count) of \(count) alerts notified") }
        return lines
    }

    static func compileNotifier(_ source: String, _ output: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        p.arguments = ["-shared", "-fPIC", "-O2", "-DNOTIFIER", "-I", "\(repository)/Sources/PluginAPI/include", "-o", output, source]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError(description: "cc failed for \(source)") }
    }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
    }

    static func run(runs: Int) throws {
        print("\n| alert manager path | outbox | alerts (hosts × series) | rounds | median events/s (raise+resolve) | median duplicate raises/s | notifications enqueued per run |")
        print("|---|---|---|---|---|---|---|")
        for kind in ["memory", "sqlite"] {
            var rates: [Double] = [], dups: [Double] = []
            var notifications: UInt64 = 0
            for _ in 0..<runs {
                let outbox: any NotificationOutbox
                var cleanup: () -> Void = {}
                if kind == "memory" {
                    outbox = MemoryOutbox()
                } else {
                    let (store, done) = try StorageBench.makeStore("sqlite")
                    outbox = StorageOutbox(storage: store)
                    cleanup = done
                }
                let r = try throughput(outbox: outbox, hosts: 100, series: 100, rounds: 5)
                cleanup()
                rates.append(r.eventsPerSecond)
                dups.append(r.duplicatesPerSecond)
                notifications = r.notifications
            }
            print(String(format: "| receive → dedup → route (2 routes + default, 3 notifiers) → group (host, rule) → outbox | %@ | 10,000 | 5 | %.0f | %.0f | %llu |",
                         kind, median(rates), median(dups), notifications))
        }
        print("\n| end to end, group_wait 0 | outbox | alerts | p50 | p99 | max |")
        print("|---|---|---|---|---|---|")
        for storage in ["none", "sqlite"] {
            let l = try latency(storage: storage, count: 200)
            print(String(format: "| C detector alert_raise() → bus → manager → outbox → notifier thread → C notify() | %@ | %d | %.3f ms | %.3f ms | %.3f ms |",
                         storage == "none" ? "memory" : "SQLite", l.count, percentile(l, 0.5) / 1e6, percentile(l, 0.99) / 1e6,
                         (l.max() ?? 0) / 1e6))
        }
    }
}
