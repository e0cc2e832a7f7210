import Testing
@testable import Host
import PluginAPI

/// The framing between nazard and nazar-plugin-host: what one end writes the other reads
/// back exactly, and a damaged message is refused with what and where.
@Suite struct PluginHostWireTests {
    func decode(_ w: PluginHostMessageWriter, length: Int? = nil) throws(PluginHostWireError) -> PluginHostMessageReader {
        let m = w.finish()
        return try PluginHostMessageReader(m.baseAddress!, length: length ?? m.count)
    }

    @Test func fieldsRoundTripInOrder() throws {
        let w = PluginHostMessageWriter(capacity: 16)  // grows as it goes
        w.begin(.collect, id: 42)
        w.put(Int64(-7))
        w.put(Double.nan)
        w.put(-Double.infinity)
        w.put(string: "cpu.total")
        w.put(cString: nil)
        var r = try decode(w)
        #expect(r.type == .collect)
        #expect(r.id == 42)
        #expect(try r.read(Int64.self, "a") == -7)
        #expect(try r.readDouble("b").isNaN, "NaN crosses as it is")
        #expect(try r.readDouble("c") == -.infinity)
        #expect(try r.readString("d") == "cpu.total")
        #expect(try r.readString("e") == "")
        #expect(r.remaining == 0)
    }

    @Test func anAlertRoundTripsWithItsLabels() throws {
        let event = AlertEvent(rule: "cpu_high", severity: .critical, state: .firing,
                               labels: [("host", "web1"), ("metric", "cpu.total")], summary: "cpu 97% > 90%",
                               value: 97, score: .nan, timestamp: 1_700_000_000_000_000_000, startsAt: 5, source: "ewma")
        let w = PluginHostMessageWriter()
        w.begin(.notify, id: 1)
        event.withCAlert { w.put(alert: $0) }
        var r = try decode(w)
        let scratch = PluginHostScratch()  // the labels live in it
        let a = try r.readAlert(scratch)
        #expect(String(cString: a.rule) == "cpu_high")
        #expect(a.severity == UInt32(NAZAR_SEVERITY_CRITICAL) && a.state == UInt32(NAZAR_ALERT_FIRING))
        #expect(String(cString: a.summary) == "cpu 97% > 90%" && String(cString: a.source) == "ewma")
        #expect(a.value == 97 && a.score.isNaN && a.timestamp_ns == 1_700_000_000_000_000_000 && a.starts_at_ns == 5)
        #expect(a.fingerprint == event.fingerprint)
        #expect(a.label_count == 2)
        #expect(String(cString: a.labels[1].key) == "metric" && String(cString: a.labels[1].value) == "cpu.total")
        withExtendedLifetime(scratch) {}
    }

    @Test func aShortOrTruncatedMessageIsRefused() throws {
        let w = PluginHostMessageWriter()
        w.begin(.collect, id: 1)
        w.put(Int64(1))
        #expect(throws: PluginHostWireError.self) { _ = try decode(w, length: 8) }
        let error = #expect(throws: PluginHostWireError.self) { _ = try decode(w, length: 16) }
        #expect(error?.description == "plugin host protocol: message declares 20 bytes but 16 arrived (truncated?)")
    }

    @Test func aFieldPastTheEndNamesTheFieldAndOffset() throws {
        let w = PluginHostMessageWriter()
        w.begin(.onPoints, id: 9)
        w.put(UInt32(3))
        var r = try decode(w)
        _ = try r.read(UInt32.self, "point count")
        let error = #expect(throws: PluginHostWireError.self) { _ = try r.readBytes(72, "points") }
        #expect(error?.description == "plugin host protocol: onPoints message (id 9) ends inside field 'points' at byte 16 of 16")
    }

    @Test func aStringWithoutItsTerminatorIsRefused() throws {
        let w = PluginHostMessageWriter()
        w.begin(.log)
        w.put(UInt32(3))  // a length, then three bytes and no NUL
        w.put(UInt8(0x61)); w.put(UInt8(0x62)); w.put(UInt8(0x63))
        var r = try decode(w)
        #expect(throws: PluginHostWireError.self) { _ = try r.readCString("message") }
    }

    @Test func anotherVersionOrAnUnknownTypeIsRefused() throws {
        let w = PluginHostMessageWriter()
        w.begin(.start, id: 1)
        let m = w.finish()
        let bytes = UnsafeMutableRawPointer(mutating: m.baseAddress!)
        bytes.storeBytes(of: UInt8(2), toByteOffset: 4, as: UInt8.self)
        let version = #expect(throws: PluginHostWireError.self) { _ = try PluginHostMessageReader(bytes, length: m.count) }
        #expect(version?.description.contains("protocol version 2, expected 1") == true)
        bytes.storeBytes(of: UInt8(1), toByteOffset: 4, as: UInt8.self)
        bytes.storeBytes(of: UInt8(0x99), toByteOffset: 5, as: UInt8.self)
        let type = #expect(throws: PluginHostWireError.self) { _ = try PluginHostMessageReader(bytes, length: m.count) }
        #expect(type?.description == "plugin host protocol: unknown message type 0x99")
    }

    @Test func tooManyLabelsAreRefused() throws {
        let w = PluginHostMessageWriter()
        w.begin(.seriesRegister, id: 1)
        w.put(string: "x")
        w.put(UInt32(5000))
        var r = try decode(w)
        _ = try r.readCString("name")
        let error = #expect(throws: PluginHostWireError.self) { _ = try PluginHostScratch().readLabels(&r) }
        #expect(error?.description == "plugin host protocol: 5000 labels on one item (at most 1024)")
    }
}
