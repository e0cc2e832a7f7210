@testable import PluginKit
import Testing

/// The PluginKit pieces the detector plugins share.
@Suite("detector support")
struct DetectorSupportTests {
    @Test("glob patterns: * spans dots, ? is one byte, literals are exact", arguments: [
        ("cpu.total", "cpu.total", true), ("cpu.total", "cpu.totals", false),
        ("cpu.*", "cpu.total", true), ("cpu.*", "cpu", false), ("*", "", true),
        ("net.*_bytes", "net.rx_bytes", true), ("net.*_bytes", "net.rx_packets", false),
        ("*.used_percent", "disk.inodes.used_percent", true), ("sd?", "sda", true), ("sd?", "sda1", false),
        ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false), ("**", "x", true),
    ])
    func glob(pattern: String, text: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(text) == expected)
    }

    @Test("selectors match metric and labels; an empty matcher means the label is absent")
    func selector() throws {
        let config = try PluginConfig(json: #"{"metric":"cpu.*","labels":{"core":""}}"#)
        let machineWide = try SeriesSelector(table: config)
        #expect(machineWide.matches(name: "cpu.total", labels: [("host", "h")]))
        #expect(!machineWide.matches(name: "cpu.total", labels: [("core", "3"), ("host", "h")]))
        let disks = SeriesSelector(metric: "disk.used_percent", labels: [("mount", "/srv*")])
        #expect(disks.matches(name: "disk.used_percent", labels: [("mount", "/srv/data")]))
        #expect(!disks.matches(name: "disk.used_percent", labels: [("mount", "/")]))
        #expect(!disks.matches(name: "disk.used_percent", labels: []))
    }

    @Test("rule tables name their position in errors")
    func tables() throws {
        let config = try PluginConfig(json: #"{"rules":[{"name":"a","metric":"m"},{"name":"b","metric":"m","severity":"loud"}]}"#)
        let tables = try #require(try config.tables("rules"))
        #expect(tables.map(\.path) == ["rules[0]", "rules[1]"])
        #expect(tables[1].qualified("severity") == "rules[1].severity")
        #expect(throws: PluginError.self) { try RuleHeader(table: tables[1]) }
        do {
            _ = try RuleHeader(table: tables[1])
        } catch {
            #expect(error.message == "config key 'rules[1].severity': 'loud' is not one of info, warning, critical")
        }
        let header = try RuleHeader(table: tables[0])
        #expect(header.name == "a" && header.severity == .warning)
        #expect(try config.tables("missing") == nil)
        #expect(try config.nanoseconds("missing", default: .seconds(90)) == 90_000_000_000)
    }

    @Test("series slots: dense ids grow the array, huge ids fall back to a dictionary")
    func slots() {
        var slots = SeriesSlots(denseLimit: 1000)
        #expect(slots.lookup(5) == .unseen)
        slots.assign(5, SlotRange(first: 0, count: 2))
        slots.assign(999_999, SlotRange(first: 2, count: 1))
        #expect(slots.lookup(5) == SlotRange(first: 0, count: 2))
        #expect(slots.lookup(6) == .unseen)
        #expect(slots.lookup(999_999) == SlotRange(first: 2, count: 1))
        #expect(slots.dense.count < 1000)
    }

    @Test("values and durations as people read them")
    func valueText() {
        #expect(ValueText.format(97.2) == "97.2")
        #expect(ValueText.format(97.23456) == "97.23")
        #expect(ValueText.format(0.0031) == "0.0031")
        #expect(ValueText.format(1_250_000_000) == "1.25e+09")
        #expect(ValueText.format(.nan) == "NaN" && ValueText.format(-.infinity) == "-Inf")
        #expect(ValueText.format(Duration.seconds(300)) == "5m")
        #expect(ValueText.format(Duration.seconds(5400)) == "1h30m")
        #expect(ValueText.format(Duration.seconds(86_400 + 60)) == "1d1m")
        #expect(ValueText.format(Duration.milliseconds(1500)) == "1.5s")
    }

    @Test("the staleness sweep is due once per interval of data time")
    func sweep() {
        var s = StalenessSweep(interval: 100)
        let due = [1000, 1099, 1100, 1150, 1300].map { s.isDue(now: Int64($0)) }
        #expect(due == [false, false, true, false, true])
        var off = StalenessSweep(interval: 0)
        let offDue = [1, Int64.max].map { off.isDue(now: $0) }
        #expect(offDue == [false, false])
    }
}
