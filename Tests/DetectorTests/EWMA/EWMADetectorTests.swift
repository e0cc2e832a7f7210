@testable import DetectorEWMA
import Testing

/// detector-ewma driven through its C descriptor with a recording host table.
@Suite("detector-ewma through the C ABI")
struct EWMADetectorTests {
    static let t0: Int64 = 1_700_000_000_000_000_000
    static let step: Int64 = 10_000_000_000

    /// A series with a little deterministic noise around 50 (s ≈ 1).
    static func quiet(_ n: Int, offset: Int = 0) -> [Double] {
        (0..<n).map { 50 + [1.0, -1, 0.5, -0.5, 1.5, -1.5, 0, 0.8][($0 + offset) % 8] }
    }

    /// A point-only detector (smoothing 1) unless `rule` says otherwise; later keys win.
    func detector(_ rule: String = "", publish: Bool = true) throws -> DetectorInstance {
        try DetectorInstance(PluginLibrary.ewma, config: """
            {"publish_score": \(publish), "rules": [{"name": "cpu_unusual", "metric": "cpu.total", "severity": "critical",
             "warmup": 20, "k": 4, "clear_k": 2, "rearm": "10m", "alpha": 0.05, "clip": 4, "smoothing": 1\(rule)}]}
            """)
    }

    @Test("a spike raises one alert with labels and a readable summary, and resolves once")
    func spikeIsOneIncident() throws {
        let d = try detector()
        defer { d.destroy() }
        // Warm up, then three spiking points (one incident), then quiet again.
        d.sendSeries(Self.quiet(40) + [80, 85, 82] + Self.quiet(10), start: Self.t0, step: Self.step,
                     labels: [("host", "web1"), ("cpu", "total")])
        let fired = d.host.fired
        #expect(fired.count == 1)
        #expect(d.host.resolved.count == 1)
        let alert = try #require(fired.first)
        #expect(alert.rule == "cpu_unusual" && alert.severity == 3)
        #expect(alert.labels == ["host": "web1", "cpu": "total", "metric": "cpu.total", "rule": "cpu_unusual"])
        #expect(alert.summary.hasPrefix("cpu.total{cpu=total} 80: z="), "\(alert.summary)")
        #expect(alert.summary.contains(" vs EWMA 50"), "\(alert.summary)")
        #expect(alert.timestamp == Self.t0 + 40 * Self.step && alert.value == 80)
        #expect(alert.score > 0.5 && alert.score <= 1)
        let resolved = try #require(d.host.resolved.first)
        #expect(resolved.labels == alert.labels && resolved.timestamp > alert.timestamp)
        #expect(resolved.summary.contains("back within 2σ of EWMA"), "\(resolved.summary)")
    }

    @Test("anomaly.score is published for every point, in [0, 1], with the point's timestamp and rule/metric labels")
    func scores() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40) + [80], start: Self.t0, step: Self.step)
        let published = d.host.published
        #expect(published.count == 41)
        #expect(published.allSatisfy { $0.name == "anomaly.score" && $0.value >= 0 && $0.value <= 1 })
        #expect(published[0].labels == ["host": "web1", "metric": "cpu.total", "rule": "cpu_unusual"])
        #expect(published.enumerated().allSatisfy { $0.element.timestamp == Self.t0 + Int64($0.offset) * Self.step })
        // Warm-up scores are 0; quiet points score low; the spike scores high.
        #expect(published[..<20].allSatisfy { $0.value == 0 })
        #expect(published[20..<40].allSatisfy { $0.value < 0.5 })
        #expect(published[40].value > 0.9)
    }

    @Test("publish_score = false publishes nothing but still alerts")
    func noScores() throws {
        let d = try detector(publish: false)
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40) + [80], start: Self.t0, step: Self.step)
        #expect(d.host.published.isEmpty && d.host.fired.count == 1)
    }

    @Test("smoothing catches a small sustained shift that no single point shows")
    func smoothedShift() throws {
        // Alternating ±1 noise around 50 (s = 1), then a lasting shift of +2 (2σ < k = 4).
        let noise = (0..<200).map { 50 + ($0 % 2 == 0 ? 1.0 : -1) }
        let shifted = (0..<60).map { 52 + ($0 % 2 == 0 ? 1.0 : -1) }
        let points = try detector(#", "alpha": 0.01, "smoothing": 1"#)
        defer { points.destroy() }
        points.sendSeries(noise + shifted, start: Self.t0, step: Self.step)
        #expect(points.host.fired.isEmpty)
        let smoothed = try detector(#", "alpha": 0.01, "smoothing": 0.1"#)
        defer { smoothed.destroy() }
        smoothed.sendSeries(noise + shifted, start: Self.t0, step: Self.step)
        let fired = try #require(smoothed.host.fired.first)
        #expect(smoothed.host.fired.count == 1)
        #expect(fired.timestamp > Self.t0 + 200 * Self.step && fired.timestamp < Self.t0 + 240 * Self.step)
    }

    @Test("consecutive = 3 ignores a two-point blip and fires on the third")
    func consecutive() throws {
        let d = try detector(#", "consecutive": 3"#)
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40) + [80, 80] + Self.quiet(20) + [90, 90, 90], start: Self.t0, step: Self.step)
        let fired = d.host.fired
        #expect(fired.count == 1)
        #expect(fired.first?.timestamp == Self.t0 + 64 * Self.step)
    }

    @Test("a relapse within rearm is the same incident; after rearm it is a new one")
    func rearm() throws {
        let d = try detector()
        defer { d.destroy() }
        // Fire at point 40; relapse at 45 (50 s later, rearm is 10 min); new incident at 40 + 70 points (700 s).
        d.sendSeries(Self.quiet(40) + [80] + Self.quiet(4) + [80] + Self.quiet(64) + [90], start: Self.t0, step: Self.step)
        #expect(d.host.fired.map(\.timestamp) == [Self.t0 + 40 * Self.step, Self.t0 + 110 * Self.step])
    }

    @Test("one-sided upper rule ignores drops; lower rule catches them")
    func sides() throws {
        let upper = try detector(#", "sides": "upper""#)
        defer { upper.destroy() }
        upper.sendSeries(Self.quiet(40) + [20], start: Self.t0, step: Self.step)
        #expect(upper.host.fired.isEmpty)
        #expect(upper.host.published.last?.value == 0)
        let lower = try detector(#", "sides": "lower""#)
        defer { lower.destroy() }
        lower.sendSeries(Self.quiet(40) + [20], start: Self.t0, step: Self.step)
        #expect(lower.host.fired.count == 1)
    }

    @Test("NaN and ±Inf are ignored: no alert, no score, statistics untouched, one warning per series")
    func nonFinite() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40), start: Self.t0, step: Self.step)
        let before = d.host.published.count
        for (i, v) in [Double.nan, .infinity, -.infinity, .nan].enumerated() {
            d.send([TestPoint(timestamp: Self.t0 + Int64(40 + i) * Self.step, value: v)])
        }
        #expect(d.host.published.count == before)
        #expect(d.host.alerts.isEmpty)
        let warnings = d.host.logs.filter { $0.message.contains("non-finite") }
        #expect(warnings.count == 1 && warnings[0].level == 4)
        // The next finite, ordinary point still scores low: the bad values taught nothing.
        d.send([TestPoint(timestamp: Self.t0 + 44 * Self.step, value: 50.5)])
        #expect((d.host.published.last?.value ?? 1) < 0.5)
    }

    @Test("a point not newer than the last one of its series is ignored")
    func outOfOrder() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40), start: Self.t0, step: Self.step)
        d.send([TestPoint(timestamp: Self.t0, value: 500)])
        #expect(d.host.alerts.isEmpty && d.host.published.count == 40)
        #expect(d.host.logs.contains { $0.message.contains("timestamp not after") })
    }

    @Test("a constant series scores 0 and never alerts; a change from it alerts at once")
    func constant() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Array(repeating: 7, count: 100), start: Self.t0, step: Self.step)
        #expect(d.host.alerts.isEmpty)
        #expect(d.host.published.allSatisfy { $0.value == 0 })
        d.send([TestPoint(timestamp: Self.t0 + 100 * Self.step, value: 7.5)])
        #expect(d.host.fired.count == 1 && (d.host.published.last?.value ?? 0) > 0.999)
    }

    @Test("min_stddev tolerates small changes from a constant series")
    func minStddev() throws {
        let d = try detector(#", "min_stddev": 1"#)
        defer { d.destroy() }
        d.sendSeries(Array(repeating: 7, count: 100) + [7.5, 9], start: Self.t0, step: Self.step)
        #expect(d.host.fired.isEmpty)
        d.send([TestPoint(timestamp: Self.t0 + 102 * Self.step, value: 20)])
        #expect(d.host.fired.count == 1)
    }

    @Test("a gap longer than reset_after resolves the open incident and restarts warm-up")
    func gap() throws {
        let d = try detector(#", "reset_after": "5m""#)
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40) + [80], start: Self.t0, step: Self.step)
        #expect(d.host.fired.count == 1)
        // 10 minutes later: far outside the learned band, but the model starts again.
        let later = Self.t0 + 40 * Self.step + 600_000_000_000
        d.sendSeries([500, 501, 499], start: later, step: Self.step)
        let resolved = try #require(d.host.resolved.first)
        #expect(resolved.summary.contains("no data for 10m"), "\(resolved.summary)")
        #expect(resolved.timestamp == later)
        #expect(d.host.fired.count == 1)
        #expect(d.host.published.suffix(3).allSatisfy { $0.value == 0 })
    }

    @Test("a series that stops reporting is resolved by the sweep and starts afresh when it returns")
    func disappearingSeries() throws {
        let d = try detector(#", "reset_after": "5m", "stale_after": "5m""#)
        defer { d.destroy() }
        // Series 1 (cpu=0) fires; then only series 2 (cpu=1) keeps reporting for 20 minutes.
        let a = [("host", "web1"), ("cpu", "0")], b = [("host", "web1"), ("cpu", "1")]
        d.sendSeries(Self.quiet(40) + [80], start: Self.t0, step: Self.step, series: 1, labels: a)
        #expect(d.host.fired.count == 1)
        d.sendSeries(Self.quiet(120), start: Self.t0 + 41 * Self.step, step: Self.step, series: 2, labels: b)
        let resolved = d.host.resolved
        #expect(resolved.count == 1)
        #expect(resolved.first?.labels["cpu"] == "0")
        #expect(resolved.first?.summary.contains("no data for") == true)
        // Series 1 returns: it is learning again (scores 0), not judged against stale statistics.
        d.sendSeries([500, 500], start: Self.t0 + 200 * Self.step, step: Self.step, series: 1, labels: a)
        #expect(d.host.published.suffix(2).allSatisfy { $0.value == 0 && $0.labels["cpu"] == "0" })
        #expect(d.host.fired.count == 1)
    }

    @Test("silence beyond stale_after resolves the incident but keeps the statistics and the re-arm timer")
    func staleButNotReset() throws {
        let d = try detector(#", "stale_after": "5m", "rearm": "1h""#)
        defer { d.destroy() }
        d.sendSeries(Self.quiet(40) + [80], start: Self.t0, step: Self.step)
        // Back after 10 minutes with an ordinary value, then a relapse within the hour.
        let later = Self.t0 + 40 * Self.step + 600_000_000_000
        d.sendSeries([50.5, 90], start: later, step: Self.step)
        #expect(d.host.resolved.map(\.summary) == ["cpu.total no data for 10m"])
        #expect(d.host.fired.count == 1)
        let scores = d.host.published.suffix(2).map(\.value)
        #expect(scores[0] > 0 && scores[0] < 0.5)  // judged against the kept statistics
        #expect(scores[1] > 0.9)
    }

    @Test("rules pick series by metric glob and label matchers; each matching rule keeps its own state")
    func matching() throws {
        let d = try DetectorInstance(PluginLibrary.ewma, config: """
            {"rules": [{"name": "rx", "metric": "net.*", "labels": {"iface": "eth*"}, "warmup": 20},
                       {"name": "all", "metric": "*", "warmup": 20, "k": 100}]}
            """)
        defer { d.destroy() }
        let eth = [("host", "h"), ("iface", "eth0")], lo = [("host", "h"), ("iface", "lo")]
        d.sendSeries(Self.quiet(30) + [90], start: Self.t0, step: Self.step, series: 1, name: "net.rx_bytes", labels: eth)
        d.sendSeries(Self.quiet(30) + [90], start: Self.t0, step: Self.step, series: 2, name: "net.rx_bytes", labels: lo)
        d.sendSeries(Self.quiet(30) + [90], start: Self.t0, step: Self.step, series: 3, name: "disk.used", labels: [("host", "h")])
        #expect(d.host.fired.map(\.rule) == ["rx"])
        #expect(d.host.fired.first?.labels["iface"] == "eth0")
        let scored = Set(d.host.published.map { "\($0.labels["rule"]!)/\($0.labels["metric"]!)/\($0.labels["iface"] ?? "-")" })
        #expect(scored == ["rx/net.rx_bytes/eth0", "all/net.rx_bytes/eth0", "all/net.rx_bytes/lo", "all/disk.used/-"])
    }

    @Test("points of many series in one batch are each judged against their own series")
    func interleavedBatch() throws {
        let d = try detector()
        defer { d.destroy() }
        for i in 0..<40 {
            d.send((1...50).map { s in
                TestPoint(series: UInt64(s), labels: [("host", "h\(s)")], timestamp: Self.t0 + Int64(i) * Self.step,
                          value: Double(s * 10) + Self.quiet(1, offset: i)[0] - 50)
            })
        }
        d.send((1...50).map { s in
            TestPoint(series: UInt64(s), labels: [("host", "h\(s)")], timestamp: Self.t0 + 40 * Self.step,
                      value: s == 17 ? 1000 : Double(s * 10))
        })
        #expect(d.host.fired.map { $0.labels["host"] } == ["h17"])
    }
}
