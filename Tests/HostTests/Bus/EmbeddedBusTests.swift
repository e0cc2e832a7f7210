import Foundation
import Testing
@testable import Host
import PluginAPI

@Suite struct EmbeddedBusTests {
    func settings(capacity: Int = 1024, overflow: OverflowPolicy = .block, timeout: Duration = .milliseconds(50)) -> BusSettings {
        var s = DaemonConfig.defaults(sourcePath: "/dev/null").bus
        s.queueCapacity = capacity
        s.overflow = overflow
        s.blockTimeout = timeout
        return s
    }

    func drain(_ q: PointQueue) -> [BusPoint] {
        var out: [BusPoint] = []
        let buf = UnsafeMutablePointer<BusPoint>.allocate(capacity: 4096)
        defer { buf.deallocate() }
        while true {
            let n = q.pop(into: buf, max: 4096, untilMonotonicNanoseconds: monotonicNanoseconds())
            if n == 0 { return out }
            out.append(contentsOf: UnsafeBufferPointer(start: buf, count: n))
        }
    }

    @Test func routesByTopicPatternsAndHost() throws {
        let registry = SeriesRegistry(maxSeries: 100, defaultHost: "web1.example.com")
        let bus = EmbeddedBus(settings: settings(), registry: registry)
        let cpu = bus.subscribePoints(name: "cpu", patterns: [try BindingPattern("metrics.*.cpu.#")])
        let web2 = bus.subscribePoints(name: "web2", patterns: [try BindingPattern("metrics.web2.#")])
        let all = bus.subscribePoints(name: "all", patterns: [try BindingPattern("#")])
        let cpuTotal = try registry.intern(name: "cpu.total", labels: [])
        let mem = try registry.intern(name: "mem.used", labels: [("host", "web2")])
        let cpuCore = try registry.intern(name: "cpu.total", labels: [("core", "1"), ("host", "web2")])
        #expect(registry.topic(of: cpuTotal) == "metrics.web1_example_com.cpu.total")
        let points = [BusPoint(series: cpuTotal, timestamp: 1, value: 1),
                      BusPoint(series: mem, timestamp: 2, value: 2),
                      BusPoint(series: cpuCore, timestamp: 3, value: 3)]
        #expect(points.withUnsafeBufferPointer { bus.publish($0) } == 0)
        #expect(drain(cpu).map(\.value) == [1, 3])
        #expect(drain(web2).map(\.value) == [2, 3])
        #expect(drain(all).map(\.value) == [1, 2, 3])
    }

    @Test func unsubscribeStopsDeliveryAndClosesTheQueue() throws {
        let registry = SeriesRegistry(maxSeries: 100, defaultHost: "h")
        let bus = EmbeddedBus(settings: settings(), registry: registry)
        let q = bus.subscribePoints(name: "d", patterns: [try BindingPattern("#")])
        let s = try registry.intern(name: "x", labels: [])
        let p = [BusPoint(series: s, timestamp: 0, value: 0)]
        _ = p.withUnsafeBufferPointer { bus.publish($0) }
        bus.unsubscribe(name: "d")
        _ = p.withUnsafeBufferPointer { bus.publish($0) }
        #expect(q.isClosed)
        #expect(drain(q).count == 1)
    }

    @Test func blockPolicyWaitsThenDropsAndCounts() throws {
        let q = PointQueue(capacity: 10, overflow: .block, blockTimeout: .milliseconds(30))
        let points = (0..<25).map { BusPoint(series: 1, timestamp: Int64($0), value: Double($0)) }
        let t0 = monotonicNanoseconds()
        let dropped = points.withUnsafeBufferPointer { q.push($0) }
        let waited = monotonicNanoseconds() - t0
        #expect(dropped == 15)
        #expect(waited >= 25_000_000, "a blocked publisher waits for the block timeout before dropping")
        #expect(q.counters == .init(enqueued: 10, dequeued: 0, dropped: 15, depth: 10))
        #expect(drain(q).map(\.value) == (0..<10).map(Double.init))
    }

    @Test func blockPolicyLosesNothingWhileTheConsumerKeepsUp() throws {
        let q = PointQueue(capacity: 64, overflow: .block, blockTimeout: .seconds(5))
        let total = 200_000
        let received = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        received.initialize(to: 0)
        defer { received.deallocate() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let counter = received
        Thread.detachNewThread {
            let buf = UnsafeMutablePointer<BusPoint>.allocate(capacity: 16)
            var expected = 0.0
            var ordered = true
            while counter.pointee < total {
                let n = q.pop(into: buf, max: 16, untilMonotonicNanoseconds: monotonicNanoseconds() + 1_000_000_000)
                for i in 0..<n { ordered = ordered && buf[i].value == expected; expected += 1 }
                counter.pointee += n
            }
            if !ordered { counter.pointee = -1 }
            done.signal()
        }
        let points = (0..<1000).map { BusPoint(series: 1, timestamp: 0, value: Double($0)) }
        var dropped = 0
        for batch in 0..<(total / 1000) {
            let shifted = points.map { BusPoint(series: 1, timestamp: 0, value: $0.value + Double(batch * 1000)) }
            dropped += shifted.withUnsafeBufferPointer { q.push($0) }
        }
        done.wait()
        #expect(dropped == 0)
        #expect(received.pointee == total, "all points arrive, in order")
    }

    @Test func dropNewestKeepsTheOldest() {
        let q = PointQueue(capacity: 4, overflow: .dropNewest, blockTimeout: .zero)
        let points = (0..<6).map { BusPoint(series: 1, timestamp: 0, value: Double($0)) }
        #expect(points.withUnsafeBufferPointer { q.push($0) } == 2)
        #expect(drain(q).map(\.value) == [0, 1, 2, 3])
        #expect(q.counters.dropped == 2)
    }

    @Test func dropOldestKeepsTheNewest() {
        let q = PointQueue(capacity: 4, overflow: .dropOldest, blockTimeout: .zero)
        let first = (0..<3).map { BusPoint(series: 1, timestamp: 0, value: Double($0)) }
        let second = (3..<6).map { BusPoint(series: 1, timestamp: 0, value: Double($0)) }
        #expect(first.withUnsafeBufferPointer { q.push($0) } == 0)
        #expect(second.withUnsafeBufferPointer { q.push($0) } == 2)
        #expect(drain(q).map(\.value) == [2, 3, 4, 5])
        let big = (0..<10).map { BusPoint(series: 1, timestamp: 0, value: Double($0)) }
        #expect(big.withUnsafeBufferPointer { q.push($0) } == 6)
        #expect(drain(q).map(\.value) == [6, 7, 8, 9])
    }

    @Test func mixedBatchesKeepOrderPerSubscriber() throws {
        let registry = SeriesRegistry(maxSeries: 100, defaultHost: "h")
        let bus = EmbeddedBus(settings: settings(), registry: registry)
        let a = bus.subscribePoints(name: "a", patterns: [try BindingPattern("metrics.h.a")])
        let ab = bus.subscribePoints(name: "ab", patterns: [try BindingPattern("metrics.h.a"), try BindingPattern("metrics.h.b")])
        let sa = try registry.intern(name: "a", labels: [])
        let sb = try registry.intern(name: "b", labels: [])
        let sc = try registry.intern(name: "c", labels: [])
        let points = (0..<30).map { BusPoint(series: [sa, sb, sc][$0 % 3], timestamp: Int64($0), value: Double($0)) }
        _ = points.withUnsafeBufferPointer { bus.publish($0) }
        #expect(drain(a).map(\.timestamp) == stride(from: 0, to: 30, by: 3).map(Int64.init))
        #expect(drain(ab).map(\.timestamp) == (0..<30).filter { $0 % 3 != 2 }.map(Int64.init))
    }

    @Test func registryNormalisesLabelsAndRefusesBadInput() throws {
        let r = SeriesRegistry(maxSeries: 3, defaultHost: "h1")
        let a = try r.intern(name: "disk.used", labels: [("mount", "/"), ("device", "vda")])
        let b = try r.intern(name: "disk.used", labels: [("device", "vda"), ("mount", "/"), ("host", "h1")])
        #expect(a == b, "label order and the implicit host label do not make a new series")
        #expect(r.labels(of: a).map(\.0) == ["device", "host", "mount"])
        #expect(throws: SeriesRegistry.Refusal.invalidName("bad name")) { try r.intern(name: "bad name", labels: []) }
        #expect(throws: SeriesRegistry.Refusal.invalidName("a..b")) { try r.intern(name: "a..b", labels: []) }
        #expect(throws: SeriesRegistry.Refusal.invalidLabel("1x")) { try r.intern(name: "ok", labels: [("1x", "v")]) }
        #expect(throws: SeriesRegistry.Refusal.invalidLabel("k")) { try r.intern(name: "ok", labels: [("k", "1"), ("k", "2")]) }
        _ = try r.intern(name: "two", labels: [])
        _ = try r.intern(name: "three", labels: [])
        #expect(throws: SeriesRegistry.Refusal.limitReached(3)) { try r.intern(name: "four", labels: []) }
        #expect(r.count == 3)
    }

    @Test func alertsRouteBySeverityAndRule() throws {
        let bus = EmbeddedBus(settings: settings(), registry: SeriesRegistry(maxSeries: 10, defaultHost: "h"))
        let critical = bus.subscribeAlerts(name: "pager", patterns: [try BindingPattern("alerts.critical.*")])
        let all = bus.subscribeAlerts(name: "log", patterns: [try BindingPattern("alerts.#")])
        func alert(_ sev: AlertEvent.Severity) -> AlertEvent {
            AlertEvent(rule: "cpu_high", severity: sev, state: .firing, labels: [("host", "h")], summary: "s",
                       value: 1, score: .nan, timestamp: 1, startsAt: 1, source: "d")
        }
        #expect(bus.publish(alert: alert(.warning)) == 1)
        #expect(bus.publish(alert: alert(.critical)) == 2)
        #expect(critical.depth == 1)
        #expect(all.depth == 2)
    }

    @Test func alertBookMakesRaiseAndResolveIdempotent() {
        let book = AlertBook()
        let a = AlertEvent(rule: "r", severity: .warning, state: .firing, labels: [("host", "h")], summary: "hot",
                           value: 1, score: .nan, timestamp: 100, startsAt: 0, source: "d")
        #expect(book.raise(a)?.startsAt == 100)
        #expect(book.raise(a) == nil)
        var r = a
        r.timestamp = 200
        r.summary = ""
        let resolved = book.resolve(r)
        #expect(resolved?.state == .resolved)
        #expect(resolved?.startsAt == 100)
        #expect(resolved?.summary == "hot")
        #expect(book.resolve(r) == nil)
    }
}

@Suite struct SeriesRegistryCStringTests {
    /// Interns through the C entry point, as publish() does.
    func intern(_ r: SeriesRegistry, _ name: String, _ labels: [(String, String)]) throws -> UInt64 {
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { free($0) } }
        let c = labels.map { (k, v) -> nazar_label in
            let ck = strdup(k)!, cv = strdup(v)!
            owned += [ck, cv]
            return nazar_label(key: ck, value: cv)
        }
        return try name.withCString { n in
            try c.withUnsafeBufferPointer { try r.intern(name: n, labels: $0.baseAddress, count: UInt32($0.count)) }
        }
    }

    @Test func theRawLookupFindsTheSameSeriesInAnyLabelOrder() throws {
        let r = SeriesRegistry(maxSeries: 100, defaultHost: "h1")
        let a = try intern(r, "net.rx_bytes", [("interface", "eth0"), ("dir", "in")])
        #expect(try intern(r, "net.rx_bytes", [("dir", "in"), ("interface", "eth0")]) == a)
        #expect(try intern(r, "net.rx_bytes", [("dir", "in"), ("interface", "eth0")]) == a, "second time from the cache")
        #expect(try intern(r, "net.rx_bytes", [("host", "h1"), ("dir", "in"), ("interface", "eth0")]) == a)
        #expect(try intern(r, "net.rx_bytes", [("dir", "in"), ("interface", "eth1")]) != a)
        #expect(try intern(r, "net.rx_bytes", [("host", "h2"), ("dir", "in"), ("interface", "eth0")]) != a)
        #expect(try intern(r, "net.rx_bytes", [("dir", "in")]) != a)
        #expect(try intern(r, "net.tx_bytes", [("dir", "in"), ("interface", "eth0")]) != a)
        #expect(r.count == 5)
    }
}
