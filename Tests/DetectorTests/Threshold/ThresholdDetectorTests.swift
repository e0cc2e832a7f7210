@testable import DetectorThreshold
import PluginKit
import Testing

/// detector-threshold driven through its C descriptor with a recording host table.
@Suite("detector-threshold through the C ABI")
struct ThresholdDetectorTests {
    static let t0: Int64 = 1_700_000_000_000_000_000
    static let step: Int64 = 60_000_000_000  // one point a minute

    func detector(_ rule: String, publish: Bool = false) throws -> DetectorInstance {
        try DetectorInstance(PluginLibrary.threshold, config: """
            {"publish_score": \(publish), "rules": [{"name": "cpu_high", "metric": "cpu.total", \(rule)}]}
            """)
    }

    func at(_ i: Int) -> Int64 { Self.t0 + Int64(i) * Self.step }

    @Test("above with for: fires once after the condition held for the duration, with a readable summary")
    func aboveFor() throws {
        let d = try detector(#""above": 90, "for": "5m", "severity": "critical""#)
        defer { d.destroy() }
        // Below first (so the first evaluation does not fire at load), then above from minute 2.
        d.sendSeries([50, 60] + Array(repeating: 97.2, count: 10), start: Self.t0, step: Self.step)
        let fired = d.host.fired
        #expect(fired.count == 1)
        let alert = try #require(fired.first)
        #expect(alert.timestamp == at(7))  // held since minute 2: 5 minutes at minute 7
        #expect(alert.summary == "cpu.total 97.2 > 90 for 5m")
        #expect(alert.labels == ["host": "web1", "metric": "cpu.total", "rule": "cpu_high"])
        #expect(alert.severity == 3 && alert.value == 97.2 && alert.score == 1)
        #expect(d.host.resolved.isEmpty)
    }

    @Test("a dip during the for period restarts it")
    func forRestarts() throws {
        let d = try detector(#""above": 90, "for": "5m""#)
        defer { d.destroy() }
        d.sendSeries([50, 95, 95, 95, 95, 80, 95, 95, 95, 95, 95, 95], start: Self.t0, step: Self.step)
        #expect(d.host.fired.map(\.timestamp) == [at(11)])
    }

    @Test("hysteresis: between clear and the level the alert stays open; below clear it resolves once")
    func hysteresis() throws {
        let d = try detector(#""above": 90, "clear": 80"#)
        defer { d.destroy() }
        d.sendSeries([50, 95, 85, 91, 82, 79, 85, 79], start: Self.t0, step: Self.step)
        #expect(d.host.fired.map(\.timestamp) == [at(1)])
        #expect(d.host.resolved.map(\.timestamp) == [at(5)])
        #expect(d.host.resolved.first?.summary == "cpu.total 79 < 80 (clear level)")
    }

    @Test("fires at once when the condition already holds on the first evaluation after load")
    func fireAtLoad() throws {
        let d = try detector(#""above": 90, "for": "5m""#)
        defer { d.destroy() }
        d.sendSeries([97, 97, 97], start: Self.t0, step: Self.step)
        #expect(d.host.fired.map(\.timestamp) == [at(0)])
        #expect(d.host.fired.first?.summary.contains("already at first evaluation") == true)
    }

    @Test("below rules mirror above rules")
    func below() throws {
        let d = try DetectorInstance(PluginLibrary.threshold, config: """
            {"rules": [{"name": "mem_low", "metric": "mem.available_percent", "below": 10, "clear": 15}]}
            """)
        defer { d.destroy() }
        d.sendSeries([40, 9, 12, 16], step: Self.step, name: "mem.available_percent")
        #expect(d.host.fired.count == 1 && d.host.resolved.count == 1)
        #expect(d.host.fired.first?.summary == "mem.available_percent 9 < 10")
    }

    @Test("rate_above: change per rate_per between consecutive points; the first point only sets the baseline")
    func rateOfChange() throws {
        let d = try DetectorInstance(PluginLibrary.threshold, config: """
            {"rules": [{"name": "disk_filling", "metric": "disk.used_bytes", "rate_above": 1000, "rate_per": "1m", "clear": 500}]}
            """)
        defer { d.destroy() }
        // One point a minute: +100, +100, +2000 (fires), +1200 (still above clear), +100 (resolves).
        d.sendSeries([0, 100, 200, 2200, 3400, 3500], start: Self.t0, step: Self.step, name: "disk.used_bytes")
        #expect(d.host.fired.map(\.timestamp) == [at(3)])
        #expect(d.host.fired.first?.summary == "disk.used_bytes rate 2000/1m > 1000")
        #expect(d.host.resolved.map(\.timestamp) == [at(5)])
    }

    @Test("rate_below catches a counter that stops growing (per second by default)")
    func rateBelow() throws {
        let d = try DetectorInstance(PluginLibrary.threshold, config: """
            {"rules": [{"name": "requests_stalled", "metric": "http.requests", "rate_below": 1}]}
            """)
        defer { d.destroy() }
        d.sendSeries([0, 600, 1200, 1210], start: Self.t0, step: Self.step, name: "http.requests")  // 10/s, 10/s, then 0.17/s
        #expect(d.host.fired.map(\.timestamp) == [at(3)])
    }

    @Test("graded anomaly.score: 0 inside clear, 1 beyond the level, linear between")
    func score() throws {
        let d = try detector(#""above": 90, "clear": 80"#, publish: true)
        defer { d.destroy() }
        d.sendSeries([70, 85, 95, 80], start: Self.t0, step: Self.step)
        let published = d.host.published
        #expect(published.map(\.value) == [0, 0.5, 1, 0])
        #expect(published.allSatisfy { $0.name == "anomaly.score" && $0.labels["rule"] == "cpu_high" && $0.labels["metric"] == "cpu.total" })
        #expect(published.map(\.timestamp) == [at(0), at(1), at(2), at(3)])
    }

    @Test("NaN and ±Inf neither fire nor clear an alert, and are logged once per series")
    func nonFinite() throws {
        let d = try detector(#""above": 90"#)
        defer { d.destroy() }
        d.sendSeries([50, .infinity, .nan, 95, .nan, -.infinity, 96], start: Self.t0, step: Self.step)
        #expect(d.host.fired.map(\.timestamp) == [at(3)])
        #expect(d.host.resolved.isEmpty)
        #expect(d.host.logs.filter { $0.message.contains("non-finite") }.count == 1)
    }

    @Test("a gap longer than reset_after resolves as no data and restarts for and rates")
    func gap() throws {
        let d = try detector(#""above": 90, "for": "2m", "reset_after": "10m""#)
        defer { d.destroy() }
        d.sendSeries([50, 95, 95, 95], start: Self.t0, step: Self.step)
        #expect(d.host.fired.count == 1)
        d.sendSeries([95, 95], start: at(30), step: Self.step)
        #expect(d.host.resolved.first?.summary == "cpu.total no data for 27m")
        // After the gap it counts as a first evaluation again: fires at load.
        #expect(d.host.fired.map(\.timestamp) == [at(3), at(30)])
    }

    @Test("a series that stops reporting is resolved by the sweep; others are untouched")
    func disappearingSeries() throws {
        let d = try detector(#""above": 90, "reset_after": "10m""#)
        defer { d.destroy() }
        d.sendSeries([95], start: Self.t0, step: Self.step, series: 1, labels: [("host", "a")])
        d.sendSeries(Array(repeating: 95, count: 30), start: Self.t0, step: Self.step, series: 2, labels: [("host", "b")])
        #expect(d.host.fired.count == 2)
        #expect(d.host.resolved.map { $0.labels["host"] } == ["a"])
        #expect(d.host.resolved.first?.summary.hasPrefix("cpu.total no data for") == true)
    }

    @Test("several rules on one series, label matchers and globs")
    func rulesAndMatchers() throws {
        let d = try DetectorInstance(PluginLibrary.threshold, config: """
            {"rules": [{"name": "root_full", "metric": "disk.used_percent", "labels": {"mount": "/"}, "above": 90},
                       {"name": "any_disk_critical", "metric": "disk.*_percent", "above": 98, "severity": "critical"}]}
            """)
        defer { d.destroy() }
        d.sendSeries([50, 99], step: Self.step, name: "disk.used_percent", labels: [("host", "h"), ("mount", "/")])
        d.sendSeries([50, 99], step: Self.step, series: 2, name: "disk.used_percent", labels: [("host", "h"), ("mount", "/srv")])
        let fired = d.host.fired.map { "\($0.rule) \($0.labels["mount"]!)" }
        #expect(fired == ["root_full /", "any_disk_critical /", "any_disk_critical /srv"])
        #expect(d.host.fired.first?.summary == "disk.used_percent{mount=/} 99 > 90")
    }
}

@Suite("detector-threshold config")
struct ThresholdConfigTests {
    @Test("every bad setting is refused with the key that is wrong", arguments: [
        (#"{"rules":[{"name":"a","metric":"m"}]}"#, "'rules[0].above': required: one of above, below"),
        (#"{"rules":[{"name":"a","metric":"m","above":1,"below":0}]}"#, "'rules[0].below': only one of"),
        (#"{"rules":[{"name":"a","metric":"m","above":"high"}]}"#, "'rules[0].above': expected a number"),
        (#"{"rules":[{"name":"a","metric":"m","above":90,"clear":95}]}"#, "'rules[0].clear'"),
        (#"{"rules":[{"name":"a","metric":"m","below":10,"clear":5}]}"#, "'rules[0].clear'"),
        (#"{"rules":[{"name":"a","metric":"m","above":90,"rate_per":"1m"}]}"#, "'rules[0].rate_per': only for rate"),
        (#"{"rules":[{"name":"a","metric":"m","rate_above":1,"rate_per":"0s"}]}"#, "'rules[0].rate_per'"),
        (#"{"rules":[{"name":"a","metric":"m","above":90,"for":"5 minutes"}]}"#, "'rules[0].for'"),
        (#"{"rules":[{"name":"a","metric":"m","above":90,"fro":"5m"}]}"#, "'rules[0].fro': unknown key"),
        (#"{"rules":[{"name":"a b","metric":"m","above":90}]}"#, "'rules[0].name'"),
        (#"{"rules":[{"name":"a","metric":"","above":90}]}"#, "'rules[0].metric'"),
        (#"{"rules":[{"name":"a","metric":"m","above":90,"severity":"high"}]}"#, "'rules[0].severity'"),
        (#"{"rules":[{"name":"a","metric":"m","above":90}],"extra":1}"#, "'extra': unknown key"),
    ])
    func badConfig(json: String, expected: String) {
        var message = "accepted"
        do {
            let d = try DetectorInstance(PluginLibrary.threshold, config: json)
            d.destroy()
        } catch {
            message = error.message
        }
        #expect(message.contains(expected), "\(json) -> \(message)")
    }

    @Test("a rule's parameters: clear defaults to the level, for to 0, rate_per to 1s")
    func defaults() throws {
        let config = try PluginConfig(json: #"{"rules":[{"name":"a","metric":"m","above":90},{"name":"b","metric":"m","rate_below":2}]}"#)
        let rules = try config.tables("rules")!.map { t throws(PluginError) in try ThresholdRule(table: t) }
        #expect(rules[0].clear == 90 && rules[0].forNanoseconds == 0 && rules[0].source == .value)
        #expect(rules[1].source == .rate(per: 1_000_000_000) && rules[1].direction == .below)
        #expect(rules[1].conditionText == "rate < 2/1s")
    }
}
