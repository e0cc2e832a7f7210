// Seeds for the bus corpus, made by the real encoders (so the corpus follows the wire
// format when it changes): `NAZAR_FUZZ_WRITE_SEEDS=<dir> .build-fuzz/release/fuzz-bus`
// writes them and exits before fuzzing (scripts/fuzz --seeds).
@testable import Host
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerInitialize")
public func fuzzBusInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                              _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let dir = getenv("NAZAR_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) else { return 0 }
    var written = 0
    for (name, bytes) in busSeeds() {
        let path = "\(dir)/\(name)"
        guard let f = fopen(path, "wb") else { fatalError("cannot write \(path)") }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        written += 1
    }
    print("wrote \(written) seeds to \(dir)")
    exit(0)
}

private func busSeeds() -> [(String, [UInt8])] {
    let registry = SeriesRegistry(maxSeries: 100, defaultHost: "web1")
    let ids = [
        try! registry.intern(name: "cpu.total", labels: []),
        try! registry.intern(name: "disk.used_percent", labels: [("mount", "/"), ("device", "sda1")]),
        try! registry.intern(name: "net.rx_bytes", labels: [("host", "db-2"), ("iface", "eth0")]),
        try! registry.intern(name: "app.latency", labels: [("path", "/api/v1/ünïcode")]),
    ]
    let values: [Double] = [0, 97.25, -1, .nan, .infinity, -.infinity, 1e308, .leastNonzeroMagnitude, 42, 3.5]
    var points: [BusPoint] = []
    for (i, v) in values.enumerated() {
        points.append(BusPoint(series: ids[i % ids.count], timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000_000, value: v))
    }
    points.append(BusPoint(series: ids[0], timestamp: -1, value: 1))
    var messages: [PointsEncoder.Message] = []
    let encoder = PointsEncoder(registry: registry, maxPointsPerMessage: 3)
    points.withUnsafeBufferPointer { encoder.encode($0, into: &messages) }
    var seeds: [(String, [UInt8])] = []
    for (i, m) in messages.enumerated() { seeds.append(("points-\(i)", m.body)) }

    let alerts = [
        AlertEvent(rule: "cpu_high", severity: .critical, state: .firing,
                   labels: [("host", "web1"), ("metric", "cpu.total"), ("rule", "cpu_high")],
                   summary: "cpu.total 97.2 > 90 for 5m", value: 97.2, score: 1,
                   timestamp: 1_700_000_000_000_000_000, startsAt: 1_700_000_000_000_000_000, source: "threshold"),
        AlertEvent(rule: "disk_full", severity: .warning, state: .resolved, labels: [],
                   summary: "disk.used_percent{mount=/} 79 < 80 (clear level) — résolu", value: .nan, score: .infinity,
                   timestamp: 2, startsAt: 1, source: "iforest"),
        AlertEvent(rule: "r", severity: .info, state: .firing, labels: [("k", "")], summary: "",
                   value: -0.0, score: 0, timestamp: -5, startsAt: .min, source: ""),
    ]
    for (i, a) in alerts.enumerated() { seeds.append(("alert-\(i)", AlertCodec.encode(a))) }

    // A spool segment holding both kinds, and each record's payload alone (the fuzz target
    // wraps an input in a CRC-valid record, so a payload is a seed for that path).
    var segment = DiskSpool.header
    let records = [
        SpoolRecord(exchange: .points, routingKey: "metrics.web1.cpu.total", pointCount: 3, body: messages[0].body),
        SpoolRecord(exchange: .alerts, routingKey: alerts[0].topic, pointCount: 0, body: AlertCodec.encode(alerts[0])),
    ]
    for (i, r) in records.enumerated() {
        var one: [UInt8] = []
        DiskSpool.encode(r, into: &one)
        seeds.append(("spool-payload-\(i)", Array(one.dropFirst(8))))
        segment += one
    }
    seeds.append(("spool-segment", segment))
    // A torn tail: the last record cut short, as a crash mid-write leaves it.
    seeds.append(("spool-segment-torn", Array(segment.dropLast(5))))
    return seeds
}
