import Foundation
import Host
import IngestFormat
import PluginAPI

/// Parser throughput on one core: batches of 1,000 points as agents send them (JSON) and
/// as Telegraf sends them (line protocol, 10 fields a line), parsed by `IngestFormat`
/// into (a) a sink that only counts, (b) a sink that interns every series in a real
/// `SeriesRegistry` from the parser's C strings, as nazard's ingest handler does.
enum IngestParseBench {
    struct CountingSink: IngestSink {
        var n = 0
        var sum = 0.0
        mutating func accept(_ p: ParsedPoint) -> String? {
            n += 1
            sum += p.value
            return nil
        }
    }

    struct InterningSink: IngestSink {
        let registry: SeriesRegistry
        let labels = UnsafeMutablePointer<nazar_label>.allocate(capacity: 33)
        var points: [BusPoint] = []
        mutating func accept(_ p: ParsedPoint) -> String? {
            for i in 0..<p.labels.count { labels[i] = nazar_label(key: p.labels[i].key, value: p.labels[i].value) }
            guard let id = try? registry.intern(name: p.name, labels: labels, count: UInt32(p.labels.count)) else { return "refused" }
            points.append(BusPoint(series: id, timestamp: p.timestamp ?? 0, value: p.value))
            return nil
        }
    }

    /// 1,000 points over 100 hosts × 10 series, distinct timestamps per body.
    static func jsonBody(_ k: Int) -> [UInt8] {
        var s = "{\"points\":["
        for i in 0..<1000 {
            if i > 0 { s += "," }
            s += "{\"metric\":\"cpu.usage_\(i % 10)\",\"labels\":{\"host\":\"web\(i / 10 % 100)\",\"core\":\"\(i % 4)\"},\"value\":\(Double(i) * 0.37 + Double(k)),\"timestamp\":\(1_700_000_000_000_000_000 + Int64(k) * 1_000_000_000 + Int64(i))}"
        }
        return Array((s + "]}").utf8)
    }

    static func lineBody(_ k: Int) -> [UInt8] {
        var s = ""
        for line in 0..<100 {
            s += "cpu,host=web\(line % 100),cpu=cpu\(line % 4) "
            s += (0..<10).map { "usage_\($0)=\(Double(line * 10 + $0) * 0.37 + Double(k))" }.joined(separator: ",")
            s += " \(1_700_000_000_000_000_000 + Int64(k) * 1_000_000_000 + Int64(line))\n"
        }
        return Array(s.utf8)
    }

    /// CPU seconds this thread has used: on a loaded machine the wall clock also counts
    /// the time other processes had the core, the thread's CPU time does not.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func run(runs: Int) {
        print("\n| format | sink | batch | bodies × repeats | runs | median points/s (one core) | min | max | MB/s of body (median) | median points per CPU-second |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (format, make) in [("JSON", jsonBody), ("line protocol", lineBody)] as [(String, (Int) -> [UInt8])] {
            let bodies = (0..<64).map(make)
            let bytes = bodies.reduce(0) { $0 + $1.count }
            for sinkName in ["count only", "intern in SeriesRegistry"] {
                var rates: [Double] = []
                var cpuRates: [Double] = []
                let repeats = 40
                let registry = SeriesRegistry(maxSeries: 100_000, defaultHost: "bench")
                for _ in 0..<runs {
                    var total = 0
                    let cpuStart = threadCPUSeconds()
                    let start = DispatchTime.now().uptimeNanoseconds
                    for _ in 0..<repeats {
                        for body in bodies {
                            body.withUnsafeBytes { raw in
                                if sinkName == "count only" {
                                    var sink = CountingSink()
                                    total += format == "JSON" ? JSONIngestParser().parse(raw, into: &sink).accepted
                                        : LineProtocolParser().parse(raw, into: &sink).accepted
                                } else {
                                    var sink = InterningSink(registry: registry)
                                    sink.points.reserveCapacity(1000)
                                    total += format == "JSON" ? JSONIngestParser().parse(raw, into: &sink).accepted
                                        : LineProtocolParser().parse(raw, into: &sink).accepted
                                    sink.labels.deallocate()
                                }
                            }
                        }
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    precondition(total == repeats * bodies.count * 1000, "parser lost points")
                    rates.append(Double(total) / seconds)
                    cpuRates.append(Double(total) / max(1e-9, threadCPUSeconds() - cpuStart))
                }
                let mbps = median(rates) / 1000 * Double(bytes) / Double(bodies.count) / 1e6
                print(String(format: "| %@ | %@ | 1000 | %d × %d | %d | %.2f M | %.2f M | %.2f M | %.0f | %.2f M |", format, sinkName,
                             bodies.count, repeats, runs, median(rates) / 1e6, (rates.min() ?? 0) / 1e6, (rates.max() ?? 0) / 1e6, mbps,
                             median(cpuRates) / 1e6))
            }
        }
    }
}
