import Foundation
import Host
import Logging

/// Cost of `isolation = "process"` against in-process plugins, per call and per point:
/// the same C plugins (bench/plugins) driven through `SynchronousInstance`, i.e. the
/// daemon's `PluginEntryPoints`, once loaded into this process and once in a
/// nazar-plugin-host child (found next to this executable, or $NAZAR_PLUGIN_HOST).
enum IsolationBench {
    static let modes: [PluginIsolation] = [.none, .process]

    static func run(runs: Int) throws {
        let dir = try temporaryDirectory()
        try compile("\(repository)/bench/plugins/bench-collector.c", "\(dir)/bench-collector.so")
        try compile("\(repository)/bench/plugins/bench-detector.c", "\(dir)/bench-detector.so")
        let loader = PluginLoader(searchPath: [dir], strictPermissions: false)
        let collector = try loader.load("bench-collector")
        let detector = try loader.load("bench-detector")
        let bus = EmbeddedBus(settings: BusSettings(), registry: SeriesRegistry(maxSeries: 100_000, defaultHost: "bench"))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        func instance(_ d: PluginDescriptor, _ config: String, _ mode: PluginIsolation) throws -> SynchronousInstance {
            do {
                return try SynchronousInstance(descriptor: d, name: "bench-\(mode)", configJSON: config, bus: bus,
                                               alertBook: AlertBook(), hostname: "bench", stateDirectory: dir,
                                               batchCapacity: 8192, logger: logger, isolation: mode)
            } catch {
                throw BenchError(description: "\(error)")
            }
        }

        print("\n| plugin call | none: ns/call | process: ns/call | process / none | none: ns/point | process: ns/point |")
        print("|---|---|---|---|---|---|")
        // An empty collect(): the round trip itself.
        var perCall: [PluginIsolation: Double] = [:]
        for mode in modes {
            let c = try instance(collector, #"{"points":0}"#, mode)
            perCall[mode] = best(runs) { iterations in
                for i in 0..<iterations { _ = c.collect(now: Int64(i)) }
            }
            c.stop()
        }
        row("collect() that publishes nothing", perCall, points: 0)
        print(String(format: "| peer: a bare 16-byte SOCK_SEQPACKET ping-pong between two threads (2 wake-ups; ours has 4) | – | %.0f | – | – | – |",
                     pingPong(runs)))

        // on_points() with batches over 100 series (names and labels defined to the child once).
        let series = (0..<100).map { i in
            (try? bus.registry.intern(name: "bench.value", labels: [("series", "\(i)")])) ?? 0
        }
        for size in [1, 100, 1000, 4096] {
            let points = (0..<max(size, 1)).map { BusPoint(series: series[$0 % series.count], timestamp: Int64($0), value: Double($0)) }
            var cost: [PluginIsolation: Double] = [:]
            for mode in modes {
                let d = try instance(detector, "{}", mode)
                cost[mode] = points.withUnsafeBufferPointer { buffer in
                    let batch = UnsafeBufferPointer(rebasing: buffer[0..<size])
                    return best(runs) { iterations in
                        for _ in 0..<iterations { _ = d.deliver(batch) }
                    }
                }
                d.stop()
            }
            row("on_points(), batch of \(size)", cost, points: size)
        }

        // publish() from inside collect(): 100,000 points in batches of 1,000 by series id,
        // each batch one request/answer to nazard when isolated.
        var publish: [PluginIsolation: Double] = [:]
        let total = 100_000
        for mode in modes {
            var samples: [Double] = []
            for _ in 0..<runs {
                let c = try instance(collector, #"{"points":\#(total),"batch":1000,"series":100}"#, mode)
                let t0 = monotonicNanoseconds()
                _ = c.collect(now: 1)
                samples.append(Double(monotonicNanoseconds() - t0))
                c.stop()
            }
            publish[mode] = (samples.min() ?? 0)
        }
        let perPoint = publish.mapValues { $0 / Double(total) }
        print(String(format: "| collect() publishing %d points in batches of 1,000 (whole call) | %.0f | %.0f | %.1f× | %.1f | %.1f |",
                     total, publish[.none] ?? 0, publish[.process] ?? 0, (publish[.process] ?? 0) / max(publish[.none] ?? 1, 1),
                     perPoint[.none] ?? 0, perPoint[.process] ?? 0))
    }

    /// ns per round trip of a 16-byte message over a socketpair to an echoing thread: the
    /// floor under any request/answer between two schedulable entities on this machine.
    static func pingPong(_ runs: Int) -> Double {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &pair) == 0 else { return .nan }
        let echo = pair[1]
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 64)
            while true {
                let n = recv(echo, &buffer, buffer.count, 0)
                if n <= 0 { return }
                _ = send(echo, buffer, n, 0)
            }
        }
        thread.start()
        var message = [UInt8](repeating: 1, count: 16)
        let result = best(runs) { iterations in
            for _ in 0..<iterations {
                _ = send(pair[0], message, message.count, 0)
                _ = recv(pair[0], &message, message.count, 0)
            }
        }
        shutdown(pair[0], Int32(SHUT_RDWR))
        close(pair[0])
        usleep(10_000)
        close(echo)
        return result
    }

    /// Best-of-`runs` ns per iteration, each run lasting about half a second.
    static func best(_ runs: Int, _ body: (Int) -> Void) -> Double {
        // Calibrate: how many iterations take ~50 ms.
        var iterations = 16
        while true {
            let t0 = monotonicNanoseconds()
            body(iterations)
            let elapsed = monotonicNanoseconds() - t0
            if elapsed > 50_000_000 || iterations > 1 << 26 {
                iterations = max(1, Int(Double(iterations) * 500_000_000 / Double(max(elapsed, 1))))
                break
            }
            iterations *= 4
        }
        var bestValue = Double.infinity
        for _ in 0..<runs {
            let t0 = monotonicNanoseconds()
            body(iterations)
            bestValue = min(bestValue, Double(monotonicNanoseconds() - t0) / Double(iterations))
        }
        return bestValue
    }

    static func row(_ label: String, _ cost: [PluginIsolation: Double], points: Int) {
        let none = cost[.none] ?? 0, process = cost[.process] ?? 0
        let perPoint = points > 0 ? String(format: "%.2f | %.2f", none / Double(points), process / Double(points)) : "– | –"
        print(String(format: "| %@ | %.1f | %.0f | %.0f× | %@ |", label, none, process, process / max(none, 0.001), perPoint))
    }
}
