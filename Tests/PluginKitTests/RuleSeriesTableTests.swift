import PluginAPI
@testable import PluginKit
import Synchronization
import Testing

/// What the host function table saw: log lines and registered series.
private let recorded = Mutex<(logs: [String], registered: [String])>(([], []))

/// `RuleSeriesTable`, the series side both rule-based detectors share.
@Suite(.serialized) struct RuleSeriesTableTests {
    struct State: RuleSeriesState {
        let rule: Int32
        let scoreSeries: UInt64
        var ignored: UInt64 = 0
        var warned = false
        init(rule: Int32, scoreSeries: UInt64) {
            self.rule = rule
            self.scoreSeries = scoreSeries
        }
    }

    static let rules = [
        RuleHeader(name: "cpu_high", severity: .critical, selector: SeriesSelector(metric: "cpu.*")),
        RuleHeader(name: "core0", severity: .warning, selector: SeriesSelector(metric: "cpu.user", labels: [("core", "0")])),
    ]

    /// Runs `body` with a host whose log and series_register calls are recorded.
    func withHost(_ body: (PluginHost) -> Void) {
        recorded.withLock { $0 = ([], []) }
        var api = nazar_host_api()
        api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
        api.abi_version = UInt32(NAZAR_ABI_VERSION)
        api.log = { _, _, message, _, _ in
            let text = message.map { String(cString: $0) } ?? ""
            recorded.withLock { $0.logs.append(text) }
        }
        api.series_register = { _, name, _, _ in
            let text = name.map { String(cString: $0) } ?? ""
            return recorded.withLock { r -> UInt64 in
                r.registered.append(text)
                return UInt64(1000 + r.registered.count)
            }
        }
        withUnsafePointer(to: &api) { pointer in
            body(PluginHost(api: pointer, handle: OpaquePointer(bitPattern: 1)!))
        }
    }

    /// Calls `body` with a view of one point of `series` named `name` with `labels`.
    func withPoint(series: UInt64, name: String, labels: [(String, String)], _ body: (PointView) -> Void) {
        name.withCString { cName in
            withLabels(labels) { cLabels, count in
                var point = nazar_point(struct_size: UInt32(MemoryLayout<nazar_point>.size), label_count: count, series: series,
                                        name: cName, labels: cLabels, timestamp_ns: 5, value: 1)
                withUnsafePointer(to: &point) { body(PointView(raw: $0)) }
            }
        }
    }

    @Test func aSeriesGetsOneStatePerMatchingRuleOnItsFirstPoint() {
        withHost { host in
            var table = RuleSeriesTable<State>(rules: Self.rules, publishScore: true)
            var ranges: [Range<Int>] = []
            withPoint(series: 7, name: "cpu.user", labels: [("core", "0"), ("host", "h")]) { ranges.append(table.states(of: $0, host: host)) }
            withPoint(series: 9, name: "cpu.user", labels: [("core", "1"), ("host", "h")]) { ranges.append(table.states(of: $0, host: host)) }
            withPoint(series: 3, name: "mem.used", labels: [("host", "h")]) { ranges.append(table.states(of: $0, host: host)) }
            // Known series: the same states, nothing registered again.
            withPoint(series: 7, name: "ignored.on.later.points", labels: []) { ranges.append(table.states(of: $0, host: host)) }
            #expect(ranges == [0..<2, 2..<3, 3..<3, 0..<2])
            #expect(table.states.map(\.rule) == [0, 1, 0])
            #expect(table.states.map(\.scoreSeries) == [1001, 1002, 1003])
            #expect(recorded.withLock { $0.registered } == ["anomaly.score", "anomaly.score", "anomaly.score"])
            #expect(table.identities.map(\.displayName) == ["cpu.user{core=0}", "cpu.user{core=0}", "cpu.user{core=1}"])
            #expect(table.rule(of: 1).name == "core0")
        }
    }

    @Test func withoutScoresNothingIsRegistered() {
        withHost { host in
            var table = RuleSeriesTable<State>(rules: Self.rules, publishScore: false)
            withPoint(series: 1, name: "cpu.user", labels: [("core", "0")]) { #expect(table.states(of: $0, host: host) == 0..<2) }
            #expect(table.states.map(\.scoreSeries) == [0, 0])
            #expect(recorded.withLock { $0.registered }.isEmpty)
        }
    }

    @Test func ignoredPointsAreCountedAndLoggedOncePerState() {
        withHost { host in
            var table = RuleSeriesTable<State>(rules: Self.rules, publishScore: false)
            withPoint(series: 1, name: "cpu.user", labels: [("core", "0"), ("host", "h")]) { _ = table.states(of: $0, host: host) }
            table.ignore(state: 0, value: .nan, host: host)
            table.ignore(state: 0, value: 4, host: host)
            table.ignore(state: 1, value: 4, host: host)
            #expect(table.states.map(\.ignored) == [2, 1])
            #expect(recorded.withLock { $0.logs } == [
                "cpu.user{core=0}: ignoring the non-finite value NaN (further ignored points of this series are counted, not logged)",
                "cpu.user{core=0}: ignoring a timestamp not after its previous point (further ignored points of this series are counted, not logged)",
            ])
        }
    }

    @Test func anAlertCarriesTheRuleTheSeriesLabelsAndTheDetail() {
        withHost { host in
            var table = RuleSeriesTable<State>(rules: Self.rules, publishScore: false)
            withPoint(series: 1, name: "cpu.user", labels: [("core", "0"), ("host", "h"), ("rule", "spoofed")]) {
                _ = table.states(of: $0, host: host)
            }
            let alert = table.alert(state: 1, detail: "97 > 90", value: 97, score: 1, at: 42)
            #expect(alert.rule == "core0")
            #expect(alert.severity == .warning)
            #expect(alert.summary == "cpu.user{core=0,rule=spoofed} 97 > 90")
            #expect(alert.labels.map { "\($0.0)=\($0.1)" } == ["core=0", "host=h", "metric=cpu.user", "rule=core0"])
            #expect(alert.value == 97 && alert.score == 1 && alert.timestampNanoseconds == 42)
        }
    }
}
