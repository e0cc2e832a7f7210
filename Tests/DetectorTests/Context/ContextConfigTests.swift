@testable import DetectorContext
import PluginKit
import Testing

@Suite("detector-context config")
struct ContextConfigTests {
    func createError(_ json: String) -> String? {
        do {
            let d = try DetectorInstance(PluginLibrary.context, config: json)
            d.destroy()
            return nil
        } catch {
            return error.message
        }
    }

    @Test("defaults are the reference's parameters; rest defaults to a fifth of the warm-up")
    func defaults() throws {
        let config = try PluginConfig(json: #"{"rules":[{"name":"a","metric":"cpu.*"},{"name":"b","metric":"x","warmup":100,"min":0,"max":100,"threshold":0.9}]}"#)
        let rules = try config.tables("rules")!.map { t throws(PluginError) in try ContextRule(table: t) }
        #expect(rules[0].model == ContextAnomalyModel.Parameters(maxLeftLength: 7, maxActiveNeurons: 15, bits: 3,
                                                                 baseThreshold: 0.75, rest: 150))
        #expect(rules[0].range == nil && rules[0].rangeMargin == 0.5 && rules[0].warmup == 750 && rules[0].threshold == ContextRule.Default.threshold)
        #expect(rules[1].model.rest == 20 && rules[1].range?.min == 0 && rules[1].range?.max == 100 && rules[1].threshold == 0.9)
    }

    @Test("every bad setting is refused with the key that is wrong", arguments: [
        (#"{}"#, "'rules': required"),
        (#"{"rules":[{"name":"a","metric":"m"}],"fit_rows":10}"#, "'fit_rows': unknown key"),
        (#"{"rules":[{"name":"a"}]}"#, "'rules[0].metric': required"),
        (#"{"rules":[{"name":"a","metric":"m","treshold":0.5}]}"#, "'rules[0].treshold': unknown key"),
        (#"{"rules":[{"name":"a","metric":"m"},{"name":"b","metric":"m","threshold":1.5}]}"#, "'rules[1].threshold': 1.5 must be above 0"),
        (#"{"rules":[{"name":"a","metric":"m","threshold":0}]}"#, "'rules[0].threshold'"),
        (#"{"rules":[{"name":"a","metric":"m","threshold":"high"}]}"#, "'rules[0].threshold': expected a number, got string"),
        (#"{"rules":[{"name":"a","metric":"m","min":0}]}"#, "'rules[0].max': required with min"),
        (#"{"rules":[{"name":"a","metric":"m","max":10}]}"#, "'rules[0].min': required with max"),
        (#"{"rules":[{"name":"a","metric":"m","min":5,"max":5}]}"#, "'rules[0].max': 5 must be above min (5)"),
        (#"{"rules":[{"name":"a","metric":"m","warmup":1}]}"#, "'rules[0].warmup': 1 is outside 2...1000000"),
        (#"{"rules":[{"name":"a","metric":"m","rest":0}]}"#, "'rules[0].rest'"),
        (#"{"rules":[{"name":"a","metric":"m","range_margin":-1}]}"#, "'rules[0].range_margin'"),
        (#"{"rules":[{"name":"a","metric":"m","bits":9}]}"#, "'rules[0].bits'"),
        (#"{"rules":[{"name":"a","metric":"m","max_left":0}]}"#, "'rules[0].max_left'"),
        (#"{"rules":[{"name":"a","metric":"m","max_neurons":65}]}"#, "'rules[0].max_neurons'"),
        (#"{"rules":[{"name":"a","metric":"m","base_threshold":2}]}"#, "'rules[0].base_threshold'"),
        (#"{"rules":[{"name":"a","metric":"m","max_contexts":10}]}"#, "'rules[0].max_contexts'"),
        (#"{"rules":[{"name":"a","metric":"m","stale_after":"soon"}]}"#, "'rules[0].stale_after': 'soon' is not a duration"),
        (#"{"rules":[{"name":"a","metric":"m"},{"name":"a","metric":"n"}]}"#, "'rules[1].name': 'a' is used by another rule"),
        (#"{"rules":[{"name":"a","metric":"m"}],"publish_score":"yes"}"#, "'publish_score': expected true or false"),
    ])
    func badSettings(json: String, expected: String) {
        let message = createError(json)
        #expect(message?.contains(expected) == true, "\(message ?? "created")")
    }
}
