import Testing

/// detector-context driven through its C descriptor with a recording host table.
@Suite("detector-context through the C ABI")
struct ContextDetectorTests {
    static let t0: Int64 = 1_700_000_000_000_000_000
    static let step: Int64 = 10_000_000_000

    /// A four-step cycle over 10…70: learned within a few cycles.
    static func cycle(_ n: Int) -> [Double] { (0..<n).map { [10.0, 30, 70, 30][$0 % 4] } }

    func detector(_ rule: String = "", publish: Bool = true) throws -> DetectorInstance {
        try DetectorInstance(PluginLibrary.context, config: """
            {"publish_score": \(publish), "rules": [{"name": "cpu_pattern", "metric": "cpu.total", "severity": "critical",
             "warmup": 40, "rest": 10, "threshold": 0.75\(rule)}]}
            """)
    }

    @Test("a new pattern after a learned cycle raises one alert with labels and a readable summary; it resolves once")
    func newPatternAlerts() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Self.cycle(200) + [50, 50] + Self.cycle(40), labels: [("host", "web1"), ("cpu", "total")])
        #expect(d.host.fired.count == 1)
        let alert = try #require(d.host.fired.first)
        #expect(alert.rule == "cpu_pattern" && alert.severity == 3)
        #expect(alert.labels == ["host": "web1", "cpu": "total", "metric": "cpu.total", "rule": "cpu_pattern"])
        #expect(alert.timestamp == Self.t0 + 200 * Self.step && alert.value == 50 && alert.score >= 0.75)
        #expect(alert.summary.hasPrefix("cpu.total{cpu=total} 50: context anomaly "), "\(alert.summary)")
        // The learned range 10…70 widened by half its width on each side (range_margin 0.5).
        #expect(alert.summary.contains("of 8 (-20…100) not predicted by the last values' contexts"), "\(alert.summary)")
        #expect(alert.summary.contains("200 points learned over 33m"), "\(alert.summary)")
        let resolved = try #require(d.host.resolved.first)
        #expect(d.host.resolved.count == 1 && resolved.labels == alert.labels && resolved.timestamp > alert.timestamp)
        #expect(resolved.summary.contains("back to learned patterns"), "\(resolved.summary)")
    }

    @Test("anomaly.score for every point, in [0, 1], 0 during the warm-up, with the point's timestamp")
    func scores() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Self.cycle(200) + [50])
        let published = d.host.published
        #expect(published.count == 201)
        #expect(published.allSatisfy { $0.name == "anomaly.score" && $0.value >= 0 && $0.value <= 1 })
        #expect(published[0].labels == ["host": "web1", "metric": "cpu.total", "rule": "cpu_pattern"])
        #expect(published.enumerated().allSatisfy { $0.element.timestamp == Self.t0 + Int64($0.offset) * Self.step })
        #expect(published[..<40].allSatisfy { $0.value == 0 })
        #expect(published[60..<200].allSatisfy { $0.value == 0 })  // the cycle is fully predicted
        #expect(published[200].value >= 0.75)
    }

    @Test("publish_score = false publishes nothing but still alerts")
    func noScores() throws {
        let d = try detector(publish: false)
        defer { d.destroy() }
        d.sendSeries(Self.cycle(200) + [50])
        #expect(d.host.published.isEmpty && d.host.fired.count == 1)
    }

    @Test("a learned range scores like the same range configured: the warm-up is replayed into the model")
    func learnedRangeReplaysWarmup() throws {
        let learned = try detector(#", "range_margin": 0"#)
        defer { learned.destroy() }
        let configured = try detector(#", "min": 10, "max": 70"#)
        defer { configured.destroy() }
        let values = Self.cycle(120) + [50, 20, 65] + Self.cycle(60)
        learned.sendSeries(values)
        configured.sendSeries(values)
        #expect(learned.host.published.map(\.value) == configured.host.published.map(\.value))
        #expect(learned.host.logs.contains { $0.message.contains("learned the range 10…70 from 40 points") })
    }

    @Test("the learned range is widened by range_margin of its width on each side")
    func rangeMargin() throws {
        let d = try detector(#", "range_margin": 0.25"#)
        defer { d.destroy() }
        d.sendSeries(Self.cycle(41))
        #expect(d.host.logs.contains { $0.message.contains("learned the range -5…85 from 40 points") }, "\(d.host.logs)")
    }

    @Test("NaN and ±Inf are ignored with one warning; the series carries on as if they were not there")
    func nonFiniteIgnored() throws {
        let d = try detector()
        defer { d.destroy() }
        let clean = try detector()
        defer { clean.destroy() }
        var values = Self.cycle(200)
        values.insert(contentsOf: [.nan, .infinity, -.infinity], at: 100)
        d.sendSeries(values + [50])
        clean.sendSeries(Self.cycle(200) + [50])
        let finite = d.host.published.map(\.value)
        #expect(finite.count == 201 && finite == clean.host.published.map(\.value))
        #expect(d.host.fired.count == 1)
        let warnings = d.host.logs.filter { $0.level == 4 }
        #expect(warnings.count == 1 && warnings[0].message.contains("non-finite value NaN"), "\(warnings)")
    }

    @Test("a point not after the series' previous one is ignored with one warning")
    func outOfOrderIgnored() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Self.cycle(50))
        d.send([TestPoint(timestamp: Self.t0 + 10 * Self.step, value: 99)])
        d.send([TestPoint(timestamp: Self.t0 + 49 * Self.step, value: 99)])
        #expect(d.host.published.count == 50 && d.host.fired.isEmpty)
        #expect(d.host.logs.filter { $0.message.contains("a timestamp not after its previous point") }.count == 1)
    }

    @Test("a constant series does not alert while constant; its range is centred on the value, so a change alerts")
    func constantSeries() throws {
        let d = try detector()
        defer { d.destroy() }
        d.sendSeries(Array(repeating: 40, count: 200) + [80])
        #expect(d.host.logs.contains { $0.message.contains("learned the range 20…60 from 40 points") })
        #expect(d.host.published[40..<200].allSatisfy { $0.value == 0 })
        let alert = try #require(d.host.fired.first)
        #expect(d.host.fired.count == 1 && alert.value == 80)
        #expect(d.host.logs.contains { $0.level == 5 && $0.message.contains("80 is outside the range 20…60") })
    }

    @Test("an incident of a series that goes silent is resolved after stale_after, by another series' data")
    func silentSeriesResolved() throws {
        let d = try detector(#", "stale_after": "5m", "reset_after": "0s""#)
        defer { d.destroy() }
        d.sendSeries(Self.cycle(200) + [50], series: 1)
        #expect(d.host.fired.count == 1 && d.host.resolved.isEmpty)
        // Only series 2 reports from now on; data time moves past stale_after.
        let later = Self.t0 + 201 * Self.step
        d.sendSeries(Self.cycle(100), start: later, series: 2, labels: [("host", "web2")])
        let resolved = try #require(d.host.resolved.first)
        #expect(resolved.labels["host"] == "web1" && resolved.summary.contains("no data for"), "\(resolved.summary)")
    }

    @Test("a gap longer than reset_after restarts learning: warm-up again, no alert for the jump")
    func gapRestarts() throws {
        let d = try detector(#", "reset_after": "1h""#)
        defer { d.destroy() }
        d.sendSeries(Self.cycle(100))
        d.sendSeries([500, 510, 520] + Self.cycle(30), start: Self.t0 + 100 * Self.step + 2 * 3_600_000_000_000)
        #expect(d.host.fired.isEmpty)
        #expect(d.host.logs.contains { $0.message.contains("no data for 2h") && $0.message.contains("learning again") })
        #expect(d.host.published.suffix(33).allSatisfy { $0.value == 0 })  // warming up again
    }

    @Test("a series that learns max_contexts contexts starts over (bounded memory)")
    func contextLimit() throws {
        let d = try detector(#", "max_contexts": 1000, "min": 0, "max": 7"#)
        defer { d.destroy() }
        // A pseudo-random walk over all bins keeps producing new contexts.
        var x: UInt64 = 42
        let values = (0..<3000).map { _ -> Double in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return Double((x >> 33) % 8)
        }
        d.sendSeries(values)
        #expect(d.host.logs.contains { $0.message.contains("contexts (max_contexts): learning again") })
    }
}
