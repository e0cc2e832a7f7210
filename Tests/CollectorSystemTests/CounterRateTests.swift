@testable import CollectorSystem
import PluginKit
import Testing

@Suite("Counters and series")
struct CounterRateTests {
    let second: Int64 = 1_000_000_000

    @Test func rateOverElapsedTime() {
        var r = CounterRate<String>()
        #expect(r.rate("eth0", value: 1000, now: 10 * second) == nil)  // first sample
        #expect(r.rate("eth0", value: 6000, now: 20 * second) == 500)
        #expect(r.rate("eth0", value: 6000, now: 25 * second) == 0)
        // Elapsed is per key: a key first seen later uses its own previous time.
        #expect(r.rate("eth1", value: 0, now: 25 * second) == nil)
        #expect(r.rate("eth0", value: 7000, now: 27 * second) == 500)
        #expect(r.rate("eth1", value: 100, now: 27 * second) == 50)
    }

    @Test func zeroOrNegativeElapsedGivesNoRate() {
        var r = CounterRate<Int>()
        _ = r.rate(1, value: 100, now: 10 * second)
        #expect(r.rate(1, value: 200, now: 10 * second) == nil)
        #expect(r.rate(1, value: 300, now: 5 * second) == nil)  // clock stepped back
        #expect(r.rate(1, value: 400, now: 6 * second) == 100)  // measured from the new sample
    }

    @Test func thirtyTwoBitWrapAround() {
        let near = UInt64(UInt32.max) - 299  // 4294966996
        #expect(CounterRate<Int>.delta(old: near, new: 700) == 1000)
        var r = CounterRate<Int>()
        _ = r.rate(1, value: near, now: 0)
        #expect(r.rate(1, value: 700, now: 10 * second) == 100)
    }

    @Test func resetUsesNewValueAsDelta() {
        // Small old value: the wrapped delta would be ~2^32, implausible → restart.
        #expect(CounterRate<Int>.delta(old: 5000, new: 120) == 120)
        // Just below the half-range threshold still counts as a wrap, just above as a reset.
        #expect(CounterRate<Int>.delta(old: 1 << 31 + 1, new: 0) == (1 << 31) - 1)
        #expect(CounterRate<Int>.delta(old: 1 << 31, new: 0) == 0)
        // A 64-bit counter cannot wrap in practice: anything that goes down is a restart.
        #expect(CounterRate<Int>.delta(old: 1 << 40, new: 3) == 3)
        var r = CounterRate<Int>()
        _ = r.rate(1, value: 1 << 40, now: 0)
        #expect(r.rate(1, value: 50, now: 10 * second) == 5)
    }

    @Test func disappearedKeysAreForgotten() {
        var r = CounterRate<String>()
        _ = r.rate("a", value: 1, now: 1 * second)
        _ = r.rate("b", value: 1, now: 1 * second)
        r.forgetUnseen()
        #expect(r.count == 2)
        _ = r.rate("a", value: 2, now: 2 * second)
        r.forgetUnseen()
        #expect(r.count == 1)
        // "b" comes back: it starts over, no rate from the stale sample.
        #expect(r.rate("b", value: 100, now: 3 * second) == nil)
        for i in 0..<1000 {
            _ = r.rate("dev\(i)", value: 1, now: Int64(4 + i) * second)
            r.forgetUnseen()
        }
        #expect(r.count == 1)
    }

    enum TwoMetrics: Int, MetricFamily {
        case a, b
        var name: String { self == .a ? "test.a" : "test.b" }
    }

    @Test func seriesRegisteredOnceAndLazily() {
        let host = RecordingHost()
        var out = RoundOutput(host: host)
        var cache = SeriesCache<String, TwoMetrics>()
        for _ in 0..<3 {
            cache.append("x", .a, 1, labels: { [("k", "x")] }, to: &out)
            cache.append("y", .a, 1, labels: { [("k", "y")] }, to: &out)
            cache.endRound()
        }
        #expect(host.registered.count == 2)
        #expect(out.writer.count == 6)
        cache.append("x", .b, 1, labels: { [("k", "x")] }, to: &out)
        #expect(host.registered.count == 3)
        #expect(host.registered.last?.0 == "test.b")
    }

    @Test func refusedSeriesAreNotRetriedAndDropPoints() {
        let host = RecordingHost()
        host.refused = ["test.a"]
        var out = RoundOutput(host: host)
        var cache = SeriesCache<Int, TwoMetrics>()
        cache.append(1, .a, 1, labels: { [] }, to: &out)
        cache.append(1, .a, 1, labels: { [] }, to: &out)
        cache.append(1, .b, 1, labels: { [] }, to: &out)
        #expect(host.registered.count == 2)
        #expect(out.writer.count == 1)
    }

    @Test func idleEntitiesAreForgotten() {
        let host = RecordingHost()
        var out = RoundOutput(host: host)
        var cache = SeriesCache<Int, TwoMetrics>(idleRounds: 2)
        cache.append(1, .a, 1, labels: { [] }, to: &out)
        cache.append(2, .a, 1, labels: { [] }, to: &out)
        cache.endRound()
        for _ in 0..<2 {
            cache.append(1, .a, 1, labels: { [] }, to: &out)
            cache.endRound()
        }
        #expect(cache.count == 2)  // idle for 2 rounds: still kept
        cache.append(1, .a, 1, labels: { [] }, to: &out)
        cache.endRound()
        #expect(cache.count == 1)
        cache.append(2, .a, 1, labels: { [] }, to: &out)
        #expect(host.registered.count == 3)  // re-registered after being forgotten
    }

    @Test func warningsAreRateLimited() {
        let host = RecordingHost()
        var w = Warnings(interval: 60 * second)
        w.failed("/proc/meminfo", errno: 2, now: 0, host: host)
        w.failed("/proc/meminfo", errno: 2, now: 10 * second, host: host)
        w.failed("/proc/meminfo", errno: 2, now: 20 * second, host: host)
        #expect(host.logs.count == 1)
        #expect(host.logs[0].0 == .warning)
        #expect(host.logs[0].1.contains("/proc/meminfo"))
        w.failed("/proc/net/dev", errno: 13, now: 20 * second, host: host)
        #expect(host.logs.count == 2)
        w.failed("/proc/meminfo", errno: 2, now: 61 * second, host: host)
        #expect(host.logs.count == 3)
        #expect(host.logs[2].1.contains("2 more failures"))
        w.succeeded("/proc/meminfo", host: host)
        #expect(host.logs.count == 4)
        #expect(host.logs[3].0 == .info)
        w.succeeded("/proc/meminfo", host: host)
        #expect(host.logs.count == 4)
        #expect(!w.isFailing("/proc/meminfo"))
        #expect(w.isFailing("/proc/net/dev"))
    }
}
