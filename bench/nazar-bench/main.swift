// nazar-bench: benchmarks of the host's hot paths, run in release mode:
//
//     swift run -c release nazar-bench [bus|detectors|abi-call|isolation|storage|series-match|api-reads|ingest-parse|stream|rabbitmq|alerting|all] [--runs N]
//
// `isolation` needs nazar-plugin-host built next to the executable:
//     swift build -c release --product nazar-bench --product nazar-plugin-host
//
// `detectors` needs the plugin libraries built next to the executable:
//     swift build -c release --product nazar-bench --product detector-ewma --product detector-threshold
// and `context` (detector-context on noisy daily cycles, not part of `all`: it is slow):
//     swift build -c release --product nazar-bench --product detector-context
//
// `rabbitmq` needs a broker (scripts/start-rabbitmq; NAZAR_RABBITMQ_URL and
// NAZAR_RABBITMQ_VHOST override the test broker's address) and is not part of `all`.
//
// Every measurement goes through the real code: C plugins compiled from bench/plugins
// with the system compiler, loaded through PluginLoader, driven by the Daemon.
// Results are printed as Markdown rows for BENCHMARKS.md.
import Foundation
import Host
import Logging
import PluginAPI
import PluginKit

let repository: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

struct BenchError: Error, CustomStringConvertible { var description: String }

func compile(_ source: String, _ output: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
    p.arguments = ["-shared", "-fPIC", "-O2", "-I", "\(repository)/Sources/PluginAPI/include", "-o", output, source, "-lm"]
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw BenchError(description: "cc failed for \(source)") }
}

func temporaryDirectory() throws -> String {
    var template = Array("/tmp/nazar-bench-XXXXXX".utf8CString)
    guard let p = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
        throw BenchError(description: "mkdtemp failed")
    }
    return String(cString: p)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func machine() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(model)"
}

/// The detector at the end of the bus path: the C one that only reads every point, or a
/// real detector plugin as SwiftPM built it (next to this executable) with its config.
struct BenchDetector {
    var label: String
    var plugin: String
    var config: String

    static let c = BenchDetector(label: "C detector", plugin: "bench-detector", config: "")

    /// EWMA with its shipped defaults on every bench series; `publishScore` adds one
    /// anomaly.score point per input point, published back onto the bus.
    static func ewma(publishScore: Bool) -> BenchDetector {
        BenchDetector(label: "detector-ewma" + (publishScore ? " (+ anomaly.score)" : " (publish_score = false)"),
                      plugin: "detector-ewma", config: """
                          [config]
                          publish_score = \(publishScore)
                          [[config.rules]]
                          name = "bench"
                          metric = "bench.value"
                          """)
    }

    /// detector-context with its shipped defaults (range learned from 750 points, threshold
    /// 0.75) on every bench series; the collector sends noisy daily cycles (`wave`).
    static let context = BenchDetector(label: "detector-context (+ anomaly.score)", plugin: "detector-context", config: """
        [config]
        [[config.rules]]
        name = "bench"
        metric = "bench.value"
        """)

    /// A level rule on every bench series (each fires once as the ramp crosses it).
    static let threshold = BenchDetector(label: "detector-threshold", plugin: "detector-threshold", config: """
        [config]
        [[config.rules]]
        name = "bench"
        metric = "bench.value"
        above = 5000000
        clear = 4000000
        """)
}

/// Where SwiftPM put this executable and the plugin libraries built with it.
let productsDirectory: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: exe).deletingLastPathComponent().path
}()

/// Points/s from one C collector through host->publish, the embedded bus and on_points
/// into one detector, batched, over the embedded bus or a RabbitMQ broker.
func benchBus(runs: Int, points: Int, batch: Int, series: Int, byName: Bool = false,
              detector: BenchDetector = .c, rabbitmq: Bool = false, wave: Bool = false) throws -> [Double] {
    let dir = try temporaryDirectory()
    mkdir("\(dir)/plugins.d", 0o755)
    mkdir("\(dir)/lib", 0o755)
    try compile("\(repository)/bench/plugins/bench-collector.c", "\(dir)/lib/bench-collector.so")
    try compile("\(repository)/bench/plugins/bench-detector.c", "\(dir)/lib/bench-detector.so")
    // Broker queues are durable: a fresh host name per call keeps runs apart.
    let host = rabbitmq ? "bench-\(UInt32.random(in: 0...UInt32.max))" : "bench"
    let brokerURL = ProcessInfo.processInfo.environment["NAZAR_RABBITMQ_URL"] ?? "amqp://nazar:nazar-test-secret@127.0.0.1:5673"
    let brokerVhost = ProcessInfo.processInfo.environment["NAZAR_RABBITMQ_VHOST"] ?? "nazar-test"
    let rabbitmqSection = rabbitmq ? """
        backend = "rabbitmq"
        [bus.rabbitmq]
        urls = ["\(brokerURL)"]
        vhost = "\(brokerVhost)"
        """ : ""
    try """
        [daemon]
        hostname = "\(host)"
        state_directory = "\(dir)/state"
        [plugins]
        search_path = ["\(dir)/lib", "\(productsDirectory)"]
        [bus]
        queue_capacity = 65536
        batch_size = 4096
        overflow = "block"
        block_timeout = "10s"
        \(rabbitmqSection)
        [self_metrics]
        interval = "0s"
        # The bus and the detector alone: a storage writer (the default, SQLite) would
        # take every point too and, 10 million at a time, drop them.
        [storage]
        backend = "none"
        """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
    try """
        plugin = "bench-collector"
        interval = "1h"
        [config]
        points = \(points)
        batch = \(batch)
        series = \(series)
        by_name = \(byName ? 1 : 0)
        wave = \(wave ? 1 : 0)
        """.write(toFile: "\(dir)/plugins.d/collector.toml", atomically: true, encoding: .utf8)
    try """
        plugin = "\(detector.plugin)"
        subscribe = ["metrics.\(host).bench.#"]
        \(detector.config)
        """.write(toFile: "\(dir)/plugins.d/detector.toml", atomically: true, encoding: .utf8)

    var rates: [Double] = []
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    for _ in 0..<runs {
        let daemon = try Daemon(options: DaemonOptions(configPath: "\(dir)/nazar.toml"), logger: logger)
        let t0 = monotonicNanoseconds()
        daemon.start()
        guard let detector = daemon.instance(named: "detector") else { throw BenchError(description: "detector did not start") }
        while detector.stats.pointsDelivered.load(ordering: .relaxed) < UInt64(points) {
            usleep(200)
            if monotonicNanoseconds() - t0 > 120_000_000_000 { throw BenchError(description: "timed out") }
        }
        let elapsed = Double(monotonicNanoseconds() - t0) / 1e9
        let dropped = daemon.instance(named: "collector")?.stats.publishDropped.load(ordering: .relaxed) ?? 0
        daemon.shutdown()
        guard dropped == 0 else { throw BenchError(description: "\(dropped) points dropped") }
        rates.append(Double(points) / elapsed)
    }
    return rates
}

/// ns per call of a plugin function through the descriptor's function pointer (the ABI
/// crossing itself), and through `CallTracker.run`, exactly what PluginInstance does
/// around every call (in-flight mark, counters, latency sampled every 8th call).
func benchABICall(calls: Int) throws -> (bare: Double, accounted: Double) {
    let dir = try temporaryDirectory()
    try compile("\(repository)/bench/plugins/bench-collector.c", "\(dir)/bench-collector.so")
    let loader = PluginLoader(searchPath: [dir], strictPermissions: true)
    let d = try loader.load("bench-collector")
    guard let create = d.raw.create, let collect = d.raw.collect, let destroy = d.raw.destroy else {
        throw BenchError(description: "bench-collector lacks callbacks")
    }
    var api = nazar_host_api()
    api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
    api.abi_version = UInt32(NAZAR_ABI_VERSION)
    var instance: UnsafeMutableRawPointer? = nil
    guard create(&api, nil, "{\"points\":0}", &instance, nil) == NAZAR_OK else { throw BenchError(description: "create failed") }
    defer { destroy(instance) }
    let tracker = CallTracker(stats: InstanceStats())
    var best = (Double.infinity, Double.infinity)
    for _ in 0..<5 {
        var t0 = monotonicNanoseconds()
        for i in 0..<calls { _ = collect(instance, Int64(i), nil) }
        let bare = Double(monotonicNanoseconds() - t0) / Double(calls)
        t0 = monotonicNanoseconds()
        for i in 0..<calls {
            _ = tracker.run(.collect, failed: { $0 != NAZAR_OK }) { collect(instance, Int64(i), nil) }
        }
        let accounted = Double(monotonicNanoseconds() - t0) / Double(calls)
        best = (min(best.0, bare), min(best.1, accounted))
    }
    return best
}

/// A Swift detector written with PluginKit that does nothing but read the batch: its
/// on_points() through the C descriptor shows what PluginKit's thunks add to a call.
struct NoopSwiftDetector: Detector {
    static let info = PluginInfo(name: "bench-noop", version: "1", description: "benchmark")
    var sum = 0.0
    init(config: PluginConfig, host: PluginHost) throws(PluginError) {}
    mutating func onPoints(_ batch: PointBatch) throws(PluginError) {
        for p in batch { sum += p.value }
    }
}

func benchSwiftCall(calls: Int) throws -> Double {
    let raw = PluginExport.detector(NoopSwiftDetector.self).assumingMemoryBound(to: nazar_plugin.self)
    guard let create = raw.pointee.create, let onPoints = raw.pointee.on_points, let destroy = raw.pointee.destroy else {
        throw BenchError(description: "descriptor lacks callbacks")
    }
    var api = nazar_host_api()
    api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
    var instance: UnsafeMutableRawPointer? = nil
    let fakeHost = OpaquePointer(bitPattern: 1)
    guard create(&api, fakeHost, "{}", &instance, nil) == NAZAR_OK else { throw BenchError(description: "create failed") }
    defer { destroy(instance) }
    var point = nazar_point(struct_size: UInt32(MemoryLayout<nazar_point>.size), label_count: 0, series: 1,
                            name: nil, labels: nil, timestamp_ns: 0, value: 1)
    var best = Double.infinity
    withUnsafeMutablePointer(to: &point) { p in
        var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                                      point_size: UInt32(MemoryLayout<nazar_point>.stride), count: 1, points: p)
        for _ in 0..<5 {
            let t0 = monotonicNanoseconds()
            for _ in 0..<calls { _ = onPoints(instance, &batch, nil) }
            best = min(best, Double(monotonicNanoseconds() - t0) / Double(calls))
        }
    }
    return best
}

var arguments = Array(CommandLine.arguments.dropFirst())
var runs = 5
if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) {
    runs = n
    arguments.removeSubrange(i...(i + 1))
}
let which = arguments.first ?? "all"

print("machine: \(machine())")
do {
    if which == "bus" || which == "all" {
        print("\n| bus path | points carry | batch | series | points | runs | median points/s | min | max |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (batch, series, byName) in [(1000, 100, false), (100, 100, false), (1000, 10_000, false), (1000, 100, true)] {
            let points = byName ? 2_000_000 : 10_000_000
            let r = try benchBus(runs: runs, points: points, batch: batch, series: series, byName: byName)
            print(String(format: "| C collector → publish → embedded bus → on_points → C detector | %@ | %d | %d | %d | %d | %.2f M | %.2f M | %.2f M |",
                         byName ? "name + labels" : "series id", batch, series, points, runs,
                         median(r) / 1e6, (r.min() ?? 0) / 1e6, (r.max() ?? 0) / 1e6))
        }
    }
    if which == "detectors" || which == "all" {
        // The same bus path with the real detector plugins at the end, in the same run as
        // the bare C detector: the ratio is the detector's own cost per point.
        print("\n| detector at the end of the bus | batch | series | points | runs | median points/s | min | max |")
        print("|---|---|---|---|---|---|---|---|")
        let detectors: [BenchDetector] = [.c, .ewma(publishScore: false), .ewma(publishScore: true), .threshold]
        for series in [100, 10_000] {
            for detector in detectors {
                let points = 10_000_000
                let r = try benchBus(runs: runs, points: points, batch: 1000, series: series, detector: detector)
                print(String(format: "| %@ | %d | %d | %d | %d | %.2f M | %.2f M | %.2f M |", detector.label, 1000, series,
                             points, runs, median(r) / 1e6, (r.min() ?? 0) / 1e6, (r.max() ?? 0) / 1e6))
            }
        }
    }
    if which == "context" {
        // CAD OSE learns as it goes: its cost per point grows with each series' context
        // memory, so the series are long (10,000 points each, like a NAB file) and carry
        // noisy daily cycles rather than the ramp; the C detector reads the same points.
        print("\n| detector at the end of the bus | batch | series | points | runs | median points/s | min | max |")
        print("|---|---|---|---|---|---|---|---|")
        for detector in [BenchDetector.c, .context] {
            let points = 1_000_000
            let r = try benchBus(runs: runs, points: points, batch: 1000, series: 100, detector: detector, wave: true)
            print(String(format: "| %@ (daily cycles + noise) | %d | %d | %d | %d | %.3f M | %.3f M | %.3f M |", detector.label, 1000, 100,
                         points, runs, median(r) / 1e6, (r.min() ?? 0) / 1e6, (r.max() ?? 0) / 1e6))
        }
    }
    if which == "alerting" || which == "all" {
        try AlertingBench.run(runs: runs)
    }
    if which == "rabbitmq" {
        // Same run, same plugins: the embedded bus, then the broker with publisher confirms
        // (collector → publish → broker → consumer → on_points, one nazard process).
        print("\n| bus path | batch | series | points | runs | median points/s | min | max |")
        print("|---|---|---|---|---|---|---|---|")
        for (label, rabbit, points, batch) in [("embedded bus", false, 10_000_000, 1000),
                                               ("RabbitMQ bus (confirms, persistent, durable queue)", true, 2_000_000, 1000),
                                               ("RabbitMQ bus (confirms, persistent, durable queue)", true, 2_000_000, 10_000)] {
            let r = try benchBus(runs: runs, points: points, batch: batch, series: 100, rabbitmq: rabbit)
            print(String(format: "| C collector → publish → %@ → on_points → C detector | %d | 100 | %d | %d | %.3f M | %.3f M | %.3f M |",
                         label, batch, points, runs, median(r) / 1e6, (r.min() ?? 0) / 1e6, (r.max() ?? 0) / 1e6))
        }
    }
    if which == "abi-call" || which == "all" {
        let calls = 20_000_000
        let r = try benchABICall(calls: calls)
        print("\n| plugin call | calls | ns/call (best of 5) |")
        print("|---|---|---|")
        print(String(format: "| collect() through the descriptor's function pointer (C plugin) | %d | %.2f |", calls, r.bare))
        print(String(format: "| same, through the host's CallTracker (in-flight mark, counters, 1-in-8 latency sample) | %d | %.2f |", calls, r.accounted))
        let swift = try benchSwiftCall(calls: calls)
        print(String(format: "| on_points() of a Swift PluginKit detector through its C descriptor (1-point batch) | %d | %.2f |", calls, swift))
    }
    if which == "isolation" || which == "all" {
        try IsolationBench.run(runs: runs)
    }
    if which == "storage" || which == "all" {
        try StorageBench.run(runs: min(runs, 3))
    }
    if which == "series-match" {
        try SeriesMatchBench.run(runs: runs)
    }
    if which == "api-reads" {
        try APIReadsBench.run(runs: runs)
    }
    if which == "ingest-parse" || which == "all" {
        IngestParseBench.run(runs: runs)
    }
    if which == "stream" || which == "all" {
        StreamBench.run(runs: min(runs, 3))
    }
} catch {
    print("error: \(error)")
    exit(1)
}
