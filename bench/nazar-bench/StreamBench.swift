import Foundation
import Host

/// SSE fan-out: points published on an embedded bus, sealed by the StreamHub into events
/// every 10 ms and encoded once per filter, delivered to N clients whose readers take
/// the bytes as an HTTP response writer would (without the socket). Measures points per
/// second published through the hub, and events and bytes per second delivered in total.
enum StreamBench {
    final class Reader: @unchecked Sendable {
        let lock = NSLock()
        private var eventCount = 0
        private var byteCount = 0
        func add(events: Int, bytes: Int) { lock.withLock { eventCount += events; byteCount += bytes } }
        var events: Int { lock.withLock { eventCount } }
        var bytes: Int { lock.withLock { byteCount } }
    }

    static func run(runs: Int) {
        print("\n| SSE fan-out (StreamHub) | clients | filter | points | runs | median points/s into the hub | points/s delivered (all clients) | MB/s of SSE delivered |")
        print("|---|---|---|---|---|---|---|---|")
        for (clients, filtered) in [(1, false), (10, false), (100, false), (100, true)] {
            var rates: [(Double, Double, Double)] = []
            for _ in 0..<runs { rates.append(once(clients: clients, filtered: filtered, points: 1_000_000)) }
            let best = rates.sorted { $0.0 < $1.0 }[rates.count / 2]
            let delivered = best.0 * Double(clients) * (filtered ? 0.5 : 1)
            print(String(format: "| 1,000 series, batches of 1,000, 10 ms sealing | %d | %@ | 1,000,000 | %d | %.2f M | %.1f M | %.0f |",
                         clients, filtered ? "host=h1 (half the series), 10 distinct filters" : "none (every point)", runs,
                         best.0 / 1e6, delivered / 1e6, best.2 / 1e6))
        }
    }

    static func once(clients: Int, filtered: Bool, points: Int) -> (Double, Double, Double) {
        var settings = BusSettings()
        settings.queueCapacity = 1 << 20
        let registry = SeriesRegistry(maxSeries: 10_000, defaultHost: "h0")
        let bus = EmbeddedBus(settings: settings, registry: registry)
        let hub = StreamHub(bus: bus, settings: StreamSettings(batchInterval: .milliseconds(10), maxPoints: 4_000_000,
                                                               clientQueueBytes: 1 << 30))
        hub.start()
        defer { hub.stop() }
        let series = (0..<1000).map { i in try! registry.intern(name: "cpu.total", labels: [("host", "h\(i % 2)"), ("core", "\(i)")]) }
        var readers: [Reader] = []
        var tasks: [Task<Void, Never>] = []
        for c in 0..<clients {
            let matchers = filtered ? (try? LabelMatcher.parseList(#"{host="h1",core!="x\#(c % 10)"}"#)) ?? [] : []
            let client = hub.connect(matchers: matchers, includeAlerts: false)
            let reader = Reader()
            readers.append(reader)
            tasks.append(Task.detached {
                let marker = Array("event: points".utf8)
                while let bytes = await client.next() {
                    var n = 0
                    var i = 0
                    while i + marker.count <= bytes.count {
                        if bytes[i] == marker[0] && bytes[i + 6] == marker[6] && Array(bytes[i..<(i + marker.count)]) == marker {
                            n += 1
                            i += marker.count
                        } else {
                            i += 1
                        }
                    }
                    reader.add(events: n, bytes: bytes.count)
                }
            })
        }
        var batch = [BusPoint](repeating: BusPoint(series: 0, timestamp: 0, value: 0), count: 1000)
        let start = monotonicNanoseconds()
        var t: Int64 = 1_700_000_000_000_000_000
        for _ in 0..<(points / 1000) {
            for i in 0..<1000 {
                batch[i] = BusPoint(series: series[i], timestamp: t, value: Double(i) * 0.37)
            }
            t += 1_000_000
            _ = batch.withUnsafeBufferPointer { bus.publish($0) }
        }
        // Wait until the hub has sealed everything and every reader has every event.
        while hub.counters.pointsIn < UInt64(points) {
            usleep(1000)
            if monotonicNanoseconds() - start > 60_000_000_000 {
                FileHandle.standardError.write("stream bench: hub took \(hub.counters.pointsIn) of \(points) points\n".data(using: .utf8)!)
                break
            }
        }
        usleep(30_000)
        let sealed = hub.counters.events
        let expected = Int(sealed)
        while readers.contains(where: { $0.events < expected }) {
            usleep(1000)
            if monotonicNanoseconds() - start > 60_000_000_000 {
                FileHandle.standardError.write("stream bench: readers saw \(readers.map(\.events)) of \(expected) events\n".data(using: .utf8)!)
                break
            }
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        let events = readers.reduce(0) { $0 + $1.events }
        let bytes = readers.reduce(0) { $0 + $1.bytes }
        for task in tasks { task.cancel() }
        return (Double(points) / elapsed, Double(events) / elapsed, Double(bytes) / elapsed)
    }
}
