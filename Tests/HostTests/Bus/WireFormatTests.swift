import Foundation
import Testing
@testable import Host

/// The broker message format: what one process encodes another decodes into its own
/// series ids, and malformed bytes are refused with the offset, never half-delivered.
@Suite struct WireFormatTests {
    func registry(_ host: String) -> SeriesRegistry { SeriesRegistry(maxSeries: 10_000, defaultHost: host) }

    func encode(_ reg: SeriesRegistry, _ points: [BusPoint], perMessage: Int = 1_000) -> [PointsEncoder.Message] {
        let enc = PointsEncoder(registry: reg, maxPointsPerMessage: perMessage)
        var out: [PointsEncoder.Message] = []
        points.withUnsafeBufferPointer { enc.encode($0, into: &out) }
        return out
    }

    @Test func roundTripGroupsByRoutingKeyAndReinternsSeries() throws {
        let a = registry("web-1")
        let cpu0 = try a.intern(name: "cpu.usage", labels: [("core", "0")])
        let cpu1 = try a.intern(name: "cpu.usage", labels: [("core", "1")])
        let mem = try a.intern(name: "mem.used", labels: [])
        let points = [BusPoint(series: cpu0, timestamp: 1, value: 0.5), BusPoint(series: mem, timestamp: 2, value: .nan),
                      BusPoint(series: cpu1, timestamp: 3, value: -.infinity), BusPoint(series: cpu0, timestamp: 4, value: 1e300)]
        let messages = encode(a, points)
        #expect(messages.map(\.routingKey) == ["metrics.web-1.cpu.usage", "metrics.web-1.mem.used"])
        #expect(messages.map(\.pointCount) == [3, 1])

        let b = registry("central")
        _ = try b.intern(name: "unrelated", labels: [])  // ids differ between the two registries
        let dec = PointsDecoder(registry: b)
        var got: [BusPoint] = []
        for m in messages { try m.body.withUnsafeBytes { try dec.decode($0, into: &got) } }
        #expect(got.count == 4)
        let byTimestamp = Dictionary(uniqueKeysWithValues: got.map { ($0.timestamp, $0) })
        for p in points {
            let q = try #require(byTimestamp[p.timestamp])
            #expect(q.value.bitPattern == p.value.bitPattern, "NaN and infinities travel bit for bit")
            #expect(b.name(of: q.series) == a.name(of: p.series))
            #expect(b.labels(of: q.series).elementsEqual(a.labels(of: p.series), by: ==), "host label kept: web-1")
        }
        #expect(b.topic(of: byTimestamp[1]!.series) == "metrics.web-1.cpu.usage")
    }

    @Test func messagesAreSplitAtTheConfiguredSizeInOrder() throws {
        let a = registry("h")
        let s = try a.intern(name: "x", labels: [])
        let points = (0..<2_500).map { BusPoint(series: s, timestamp: Int64($0), value: Double($0)) }
        let messages = encode(a, points, perMessage: 1_000)
        #expect(messages.map(\.pointCount) == [1_000, 1_000, 500])
        #expect(messages[0].body.count == WireFormat.pointsHeaderSize + (2 + 1 + 2 + 2 + 4 + 2 + 1) + 1_000 * WireFormat.pointSize)
        let dec = PointsDecoder(registry: registry("c"))
        var got: [BusPoint] = []
        for m in messages { try m.body.withUnsafeBytes { try dec.decode($0, into: &got) } }
        #expect(got.map(\.timestamp) == (0..<2_500).map(Int64.init))
    }

    @Test func malformedMessagesAreRefusedWithTheirOffset() throws {
        let a = registry("h")
        let s = try a.intern(name: "x", labels: [("k", "v")])
        let body = encode(a, [BusPoint(series: s, timestamp: 7, value: 1)])[0].body
        func refuse(_ bytes: [UInt8]) -> WireFormatError? {
            var out = [BusPoint(series: 1, timestamp: 0, value: 0)]
            let decoder = PointsDecoder(registry: registry("c"))
            var failure: WireFormatError? = nil
            bytes.withUnsafeBytes { raw in
                do throws(WireFormatError) { try decoder.decode(raw, into: &out) } catch { failure = error }
            }
            #expect(out.count == 1, "nothing appended on error")
            return failure
        }
        #expect(refuse([]) == WireFormatError(offset: 0, reason: "truncated version (need 1 bytes, 0 left)"))
        var v2 = body; v2[0] = 2
        #expect(refuse(v2)?.reason == "unsupported version 2 (this build reads 1)")
        var alertKind = body; alertKind[1] = WireFormat.alertKind
        #expect(refuse(alertKind)?.reason == "kind 2 is not a points message")
        #expect(refuse(Array(body.dropLast()))?.reason == "truncated points (1 declared) (need 20 bytes, 19 left)")
        #expect(refuse(body + [0])?.reason == "1 trailing bytes after 1 points")
        var badRow = body; badRow[body.count - 20] = 5
        #expect(refuse(badRow) == WireFormatError(offset: body.count - 20, reason: "point 0 refers to series row 5 of 1"))
        var badUTF8 = body; badUTF8[10] = 0xff  // first byte of the name "x"
        #expect(refuse(badUTF8)?.reason == "series 0 name is not valid UTF-8")
        var badName = body; badName[10] = UInt8(ascii: "*")
        #expect(refuse(badName)?.reason.hasPrefix("series 0 '*' refused: invalid metric name") == true)
    }

    @Test func alertsRoundTripAndRefuseGarbage() throws {
        let alert = AlertEvent(rule: "disk_full", severity: .warning, state: .resolved, labels: [("host", "a"), ("mount", "/")],
                               summary: "disk / at 91% — ok", value: 91, score: 0.25, timestamp: 10, startsAt: 5, source: "thr")
        let bytes = AlertCodec.encode(alert)
        let back = try bytes.withUnsafeBytes { try AlertCodec.decode($0) }
        #expect(back == alert)
        #expect(back.value == 91 && back.score == 0.25 && back.startsAt == 5)
        var badSeverity = bytes; badSeverity[2] = 9
        #expect(throws: WireFormatError(offset: 2, reason: "unknown severity 9")) { try badSeverity.withUnsafeBytes { try AlertCodec.decode($0) } }
        #expect(throws: WireFormatError.self) { try Array(bytes.dropLast(3)).withUnsafeBytes { try AlertCodec.decode($0) } }
    }
}

/// "Others may consume it": the reference Python decoder in bench/bus-decode.py reads
/// what nazard writes (points, alerts and a spool segment).
@Suite struct WireFormatPythonDecoderTests {
    func python(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "\(TestPaths.repository)/bench/bus-decode.py"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("bus-decode.py \(args) exited \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func pythonDecoderReadsPointsAlertsAndSpool() throws {
        let dir = try TestPaths.makeTemporaryDirectory("wire")
        let reg = SeriesRegistry(maxSeries: 100, defaultHost: "web-1")
        let s = try reg.intern(name: "disk.used", labels: [("mount", "/var")])
        let enc = PointsEncoder(registry: reg, maxPointsPerMessage: 100)
        var messages: [PointsEncoder.Message] = []
        [BusPoint(series: s, timestamp: 1_700_000_000_000_000_000, value: 0.75)].withUnsafeBufferPointer { enc.encode($0, into: &messages) }
        try Data(messages[0].body).write(to: URL(fileURLWithPath: "\(dir)/points.bin"))
        let points = try JSONSerialization.jsonObject(with: Data(try python(["points", "\(dir)/points.bin"]).utf8)) as? [[String: Any]]
        let p = try #require(points?.first)
        #expect(p["name"] as? String == "disk.used")
        #expect(p["labels"] as? [String: String] == ["host": "web-1", "mount": "/var"])
        #expect((p["timestamp_ns"] as? NSNumber)?.int64Value == 1_700_000_000_000_000_000)
        #expect(p["value"] as? Double == 0.75)

        let alert = AlertEvent(rule: "disk_full", severity: .critical, state: .firing, labels: [("mount", "/var")],
                               summary: "/var at 97%", value: 97, score: 1, timestamp: 5, startsAt: 4, source: "thr")
        try Data(AlertCodec.encode(alert)).write(to: URL(fileURLWithPath: "\(dir)/alert.bin"))
        let a = try JSONSerialization.jsonObject(with: Data(try python(["alert", "\(dir)/alert.bin"]).utf8)) as? [String: Any]
        #expect(a?["rule"] as? String == "disk_full")
        #expect(a?["severity"] as? String == "critical")
        #expect(a?["summary"] as? String == "/var at 97%")

        let spool = try DiskSpool(directory: "\(dir)/spool", maxBytes: 1 << 20, policy: .block)
        _ = try spool.append([SpoolRecord(exchange: .points, routingKey: messages[0].routingKey, pointCount: 1, body: messages[0].body),
                              SpoolRecord(exchange: .alerts, routingKey: alert.topic, pointCount: 0, body: AlertCodec.encode(alert))])
        let records = try JSONSerialization.jsonObject(with: Data(try python(["spool", "\(dir)/spool/0000000000000001.seg"]).utf8)) as? [[String: Any]]
        #expect(records?.map { $0["routing_key"] as? String } == ["metrics.web-1.disk.used", "alerts.critical.disk_full"])
    }
}
