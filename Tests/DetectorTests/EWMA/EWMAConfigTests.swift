@testable import DetectorEWMA
import PluginKit
import Testing

@Suite("detector-ewma config")
struct EWMAConfigTests {
    func createError(_ json: String) -> String? {
        do {
            let d = try DetectorInstance(PluginLibrary.ewma, config: json)
            d.destroy()
            return nil
        } catch {
            return error.message
        }
    }

    @Test("defaults apply and several rules load")
    func defaults() throws {
        let config = try PluginConfig(json: #"{"rules":[{"name":"a","metric":"cpu.*"},{"name":"b","metric":"x","k":6,"sides":"upper","rearm":"1h"}]}"#)
        let rules = try config.tables("rules")!.map { t throws(PluginError) in try EWMARule(table: t) }
        #expect(rules[0].alpha == EWMARule.Default.alpha && rules[0].alarm.k == EWMARule.Default.k)
        #expect(rules[0].header.severity == .warning && rules[0].sides == .both)
        #expect(rules[1].alarm.k == 6 && rules[1].sides == .upper && rules[1].alarm.rearmNanoseconds == 3_600_000_000_000)
    }

    @Test("every bad setting is refused with the key that is wrong", arguments: [
        (#"{}"#, "'rules'"),
        (#"{"rules":{}}"#, "'rules': expected an array of tables"),
        (#"{"rules":[]}"#, "'rules': required"),
        (#"{"rules":[1]}"#, "'rules[0]': expected a table"),
        (#"{"rule":[{"name":"a","metric":"m"}]}"#, "'rule': unknown key"),
        (#"{"rules":[{"name":"a"}]}"#, "'rules[0].metric': required"),
        (#"{"rules":[{"metric":"m"}]}"#, "'rules[0].name': required"),
        (#"{"rules":[{"name":"a.b","metric":"m"}]}"#, "'rules[0].name'"),
        (#"{"rules":[{"name":"a","metric":"m","alpah":0.1}]}"#, "'rules[0].alpah': unknown key"),
        (#"{"rules":[{"name":"a","metric":"m"},{"name":"b","metric":"m","alpha":1.5}]}"#, "'rules[1].alpha'"),
        (#"{"rules":[{"name":"a","metric":"m","k":-1}]}"#, "'rules[0].k'"),
        (#"{"rules":[{"name":"a","metric":"m","k":3,"clear_k":4}]}"#, "'rules[0].clear_k'"),
        (#"{"rules":[{"name":"a","metric":"m","sides":"up"}]}"#, "'rules[0].sides'"),
        (#"{"rules":[{"name":"a","metric":"m","warmup":1}]}"#, "'rules[0].warmup'"),
        (#"{"rules":[{"name":"a","metric":"m","consecutive":0}]}"#, "'rules[0].consecutive'"),
        (#"{"rules":[{"name":"a","metric":"m","rearm":"soon"}]}"#, "'rules[0].rearm'"),
        (#"{"rules":[{"name":"a","metric":"m","clip":0.5}]}"#, "'rules[0].clip'"),
        (#"{"rules":[{"name":"a","metric":"m","severity":"page"}]}"#, "'rules[0].severity'"),
        (#"{"rules":[{"name":"a","metric":"m","labels":{"iface":3}}]}"#, "'rules[0].labels.iface'"),
        (#"{"rules":[{"name":"a","metric":"m"},{"name":"a","metric":"n"}]}"#, "'rules[1].name': 'a' is used"),
        (#"{"rules":[{"name":"a","metric":"m"}],"publish_score":"yes"}"#, "'publish_score'"),
        (#"{"rules":[{"name":"a","metric":"m"}],"fit_rows":10}"#, "'fit_rows': unknown key"),
    ])
    func badConfig(json: String, expected: String) {
        let message = createError(json)
        #expect(message?.contains(expected) == true, "\(json) -> \(message ?? "accepted")")
    }
}
