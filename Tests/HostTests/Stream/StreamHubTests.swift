import Foundation
import Testing
@testable import Host

/// The stream hub against a real embedded bus: order, filters, resume, reset, slow
/// clients and heartbeats.
@Suite struct StreamHubTests {
    let registry = SeriesRegistry(maxSeries: 10_000, defaultHost: "web1")
    let bus: EmbeddedBus

    init() {
        var s = BusSettings()
        s.queueCapacity = 65_536
        bus = EmbeddedBus(settings: s, registry: registry)
    }

    func hub(_ adjust: (inout StreamSettings) -> Void = { _ in }) -> StreamHub {
        var s = StreamSettings(batchInterval: .milliseconds(20), heartbeatInterval: .milliseconds(100))
        adjust(&s)
        let hub = StreamHub(bus: bus, settings: s)
        #expect(hub.start())
        return hub
    }

    func publish(_ series: UInt64, _ values: [Double], from t0: Int64 = 1_700_000_000_000_000_000) {
        let points = values.enumerated().map { BusPoint(series: series, timestamp: t0 + Int64($0.offset), value: $0.element) }
        #expect(points.withUnsafeBufferPointer { bus.publish($0) } == 0)
    }

    func alert(_ state: AlertEvent.State, host: String = "web1", rule: String = "cpu_high") -> AlertEvent {
        AlertEvent(rule: rule, severity: .warning, state: state, labels: [("host", host)], summary: "cpu \"hot\"",
                   value: 97.5, score: .nan, timestamp: 1_700_000_000_000_000_000, startsAt: 1_700_000_000_000_000_000,
                   source: "detector-threshold")
    }

    /// Waits until the hub has sealed at least `n` events in total.
    func waitForEvents(_ hub: StreamHub, atLeast n: UInt64) async {
        let deadline = ContinuousClock.now + .seconds(5)
        while hub.counters.events < n, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func values(_ e: SSEEvent) -> [Double] {
        ((e.json as? [[String: Any]]) ?? []).compactMap { $0["value"] as? Double }
    }

    @Test func eventsArriveInPublishOrderWithIncreasingIDs() async throws {
        let hub = hub()
        defer { hub.stop() }
        let cpu = try registry.intern(name: "cpu.total", labels: [])
        let client = hub.connect(matchers: [], includeAlerts: true)
        publish(cpu, [1, 2, 3])
        await waitForEvents(hub, atLeast: 1)
        bus.publish(alert: alert(.firing))
        publish(cpu, [4, 5])
        bus.publish(alert: alert(.resolved))
        let got = await read(client) { $0.events.count >= 4 }
        // Points keep their order, alerts theirs; the bus carries the two kinds in separate
        // queues, so an alert and a point published together may be sealed either way round.
        #expect(got.events.map(\.event).sorted() == ["alert", "alert", "points", "points"])
        #expect(got.events.first?.event == "points")
        let ids = got.events.compactMap { $0.id.flatMap(UInt64.init) }
        #expect(ids.count == 4 && ids == ids.sorted() && Set(ids).count == 4)
        #expect(got.events.flatMap { $0.event == "points" ? values($0) : [] } == [1, 2, 3, 4, 5])
        let alerts = got.events.filter { $0.event == "alert" }.compactMap { $0.json as? [String: Any] }
        #expect(alerts.map { $0["state"] as? String } == ["firing", "resolved"])
        let firing = try #require(alerts.first)
        #expect(firing["state"] as? String == "firing")
        #expect(firing["summary"] as? String == "cpu \"hot\"")
        #expect(firing["score"] is NSNull)
        #expect((firing["labels"] as? [String: String]) == ["host": "web1"])
        let point = try #require((got.events[0].json as? [[String: Any]])?.first)
        #expect(point["metric"] as? String == "cpu.total")
        #expect((point["labels"] as? [String: String]) == ["host": "web1"])
        #expect(point["timestamp"] as? Int64 == 1_700_000_000_000_000_000)
        #expect(got.comments.first == "connected")
        #expect(hub.counters.events == 4)
    }

    @Test func filtersPickSeriesAndAlertsByLabels() async throws {
        let hub = hub()
        defer { hub.stop() }
        let here = try registry.intern(name: "mem.used", labels: [])
        let there = try registry.intern(name: "mem.used", labels: [("host", "web2")])
        let thereCPU = try registry.intern(name: "cpu.total", labels: [("host", "web2")])
        let web2 = hub.connect(matchers: try LabelMatcher.parseList(#"{host="web2"}"#), includeAlerts: true)
        let web2Mem = hub.connect(matchers: try LabelMatcher.parseList(#"{host="web2",__name__=~"mem\..*"}"#), includeAlerts: false)
        publish(here, [1])
        publish(there, [2])
        publish(thereCPU, [3, .nan])
        await waitForEvents(hub, atLeast: 1)
        bus.publish(alert: alert(.firing, host: "web1"))
        bus.publish(alert: alert(.firing, host: "web2", rule: "mem_high"))
        publish(there, [4])
        let all = await read(web2) { $0.events.count >= 3 }
        #expect(all.events.map(\.event).sorted() == ["alert", "points", "points"])
        #expect(values(all.events[0]) == [2, 3])
        #expect(all.events[0].data.contains(#""value":null"#))  // NaN is not JSON
        #expect(all.events.filter { $0.event == "alert" }.map { ($0.json as? [String: Any])?["rule"] as? String } == ["mem_high"])
        let mem = await read(web2Mem) { $0.events.count >= 2 }
        #expect(mem.events.map(\.event) == ["points", "points"])
        #expect(mem.events.flatMap(values) == [2, 4])
    }

    @Test func lastEventIDResumesWithWhatWasMissed() async throws {
        let hub = hub()
        defer { hub.stop() }
        let cpu = try registry.intern(name: "cpu.total", labels: [])
        let first = hub.connect(matchers: [], includeAlerts: true)
        publish(cpu, [1])
        let seen = await read(first) { $0.events.count >= 1 }
        let lastID = try #require(seen.events.first?.id.flatMap(UInt64.init))
        hub.disconnect(first)
        bus.publish(alert: alert(.firing))
        publish(cpu, [2])
        let deadline = ContinuousClock.now + .seconds(5)
        while hub.lastEventID < lastID + 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let again = hub.connect(matchers: [], includeAlerts: true, lastEventID: lastID)
        let got = await read(again) { $0.events.count >= 2 }
        #expect(got.events.map(\.event).sorted() == ["alert", "points"])
        #expect(got.events.compactMap(\.id) == [String(lastID + 1), String(lastID + 2)])
        #expect(got.events.flatMap(values) == [2])
        #expect(hub.counters.resets == 0)
    }

    @Test func resumeBeyondTheRingGetsReset() async throws {
        let hub = hub { $0.maxEvents = 2 }
        defer { hub.stop() }
        let start = hub.lastEventID
        for _ in 0..<5 { bus.publish(alert: alert(.firing)) }
        let deadline = ContinuousClock.now + .seconds(5)
        while hub.lastEventID < start + 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let late = hub.connect(matchers: [], includeAlerts: true, lastEventID: start + 1)
        bus.publish(alert: alert(.resolved))
        let got = await read(late) { $0.events.count >= 2 }
        #expect(got.events.map(\.event) == ["reset", "alert"])
        #expect(got.events.first?.id == String(start + 5))
        #expect(got.events[0].data.contains("re-query"))
        // An id from an earlier run of the server (ids start at the clock in ms) resets too.
        let stale = hub.connect(matchers: [], includeAlerts: true, lastEventID: 42)
        let staleGot = await read(stale) { $0.events.count >= 1 }
        #expect(staleGot.events.first?.event == "reset")
        // And one from the future (a clock that went back) as well.
        let future = hub.connect(matchers: [], includeAlerts: true, lastEventID: hub.lastEventID + 1000)
        #expect(await read(future) { $0.events.count >= 1 }.events.first?.event == "reset")
        #expect(hub.counters.resets == 3)
    }

    @Test func slowClientIsDisconnectedAndOthersKeepUp() async throws {
        let hub = hub { $0.clientQueueBytes = 64 << 10 }
        defer { hub.stop() }
        let series = try (0..<50).map { try registry.intern(name: "disk.used", labels: [("mount", "/m\($0)")]) }
        let slow = hub.connect(matchers: [], includeAlerts: false)
        let fast = hub.connect(matchers: [], includeAlerts: false)
        // The fast client reads each round before the next is published, so it never lags
        // by more than one round however late the test's task is scheduled (a reader task
        // starved by the suites running in parallel once fell behind and was cut off too);
        // the slow one never reads, and 20 rounds are more than its 64 KiB.
        var got = SSEParser()
        for round in 0..<20 {
            let points = series.map { BusPoint(series: $0, timestamp: Int64(round), value: Double(round)) }
            #expect(points.withUnsafeBufferPointer { bus.publish($0) } == 0)
            let deadline = ContinuousClock.now + .seconds(10)
            while got.events.flatMap(values).count < 50 * (round + 1), ContinuousClock.now < deadline {
                guard let bytes = await fast.next() else { break }
                got.feed(bytes)
            }
        }
        #expect(got.events.flatMap(values).count == 50 * 20)
        #expect(fast.closeReason == nil)
        let deadline = ContinuousClock.now + .seconds(5)
        while hub.counters.slowDisconnects == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(slow.closeReason == .slow)
        #expect(await slow.next() == nil)
        #expect(hub.counters.slowDisconnects == 1)
        #expect(hub.counters.clients == 1)
    }

    @Test func heartbeatsKeepAnIdleStreamAlive() async throws {
        let hub = hub { $0.heartbeatInterval = .milliseconds(50) }
        defer { hub.stop() }
        let client = hub.connect(matchers: [], includeAlerts: true)
        let got = await read(client, timeout: .seconds(10)) { $0.comments.filter { $0 == "heartbeat" }.count >= 2 }
        #expect(got.comments.filter { $0 == "heartbeat" }.count >= 2)
        #expect(got.events.isEmpty)
    }

    @Test func stopEndsEveryStream() async throws {
        let hub = hub()
        let client = hub.connect(matchers: [], includeAlerts: true)
        _ = await client.next()  // the opening bytes
        hub.stop()
        #expect(await client.next() == nil)
        #expect(client.closeReason == .shutdown)
        #expect(hub.connect(matchers: [], includeAlerts: false).closeReason == .shutdown)
    }
}

@Suite struct StreamRingTests {
    @Test func boundsByCountPointsAndAge() {
        var ring = StreamRing(settings: StreamSettings(retention: .seconds(10), maxEvents: 3, maxPoints: 5), firstID: 100)
        let p = BusPoint(series: 1, timestamp: 0, value: 0)
        for i in 0..<4 { ring.append(.points([p]), now: Int64(i)) }
        #expect(ring.count == 3 && ring.firstRetainedID == 101 && ring.lastID == 103)
        ring.append(.points([p, p, p]), now: 5)
        #expect(ring.pointCount <= 5 && ring.lastID == 104)
        #expect(ring.firstRetainedID == 102)
        // Too old by age, but the newest event always stays.
        ring.append(.points([p]), now: 30_000_000_000)
        #expect(ring.count == 1 && ring.firstRetainedID == 105)
        #expect(ring.resumePoint(after: 104) == .index(0))
        #expect(ring.resumePoint(after: 105) == .index(1))
        #expect(ring.resumePoint(after: 103) == .tooOld)
        #expect(ring.resumePoint(after: 106) == .tooOld)
    }

    @Test func encoderWritesNumbersAsJSON() {
        var out: [UInt8] = []
        for v in [0.0, -3, 12.5, 1e20, 0.1, .infinity, -.nan, 1.0 / 3] {
            PointJSON.appendNumber(v, to: &out)
            out.append(UInt8(ascii: " "))
        }
        #expect(String(decoding: out, as: UTF8.self) == "0 -3 12.5 1e+20 0.1 null null 0.3333333333333333 ")
        out = []
        PointJSON.appendInteger(.min, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "-9223372036854775808")
    }
}
