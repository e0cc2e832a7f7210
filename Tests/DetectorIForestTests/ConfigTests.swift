@testable import DetectorIForest
import PluginKit
import Testing

@Suite("detector-iforest config")
struct ConfigTests {
    func parse(_ json: String) throws(PluginError) -> IForestConfig {
        try IForestConfig(PluginConfig(json: json))
    }

    func message(_ json: String) -> String {
        do throws(PluginError) {
            _ = try parse(json)
            return "no error"
        } catch {
            return error.message
        }
    }

    @Test("defaults: 100 trees, ψ 256, threshold 0.65, 3 rows, 10s step, one day of baseline")
    func defaults() throws {
        let c = try parse(#"{"metrics": ["cpu.total", "load.1"]}"#)
        #expect(c.parameters == IsolationForest.Parameters(trees: 100, samples: 256, seed: 0))
        #expect(c.threshold == 0.65 && c.consecutive == 3)
        #expect(c.stepNanoseconds == 10_000_000_000)
        #expect(c.baseline == .duration(86_400_000_000_000))
        #expect(c.rule == "iforest" && c.model == "iforest" && c.severity == .warning)
        #expect(c.fitRows == nil && c.persist)
    }

    @Test("baseline as a duration or a row count; label matchers in metric names")
    func forms() throws {
        let c = try parse(#"{"metrics": ["net.rx_bytes{interface=\"eth0\"}", "cpu.total"], "baseline": 500, "step": "1s", "fit_rows": 10}"#)
        #expect(c.baseline == .rows(500))
        #expect(c.metrics[0].name == "net.rx_bytes")
        #expect(c.metrics[0].matchers.elementsEqual([("interface", "eth0")], by: ==))
        #expect(c.fitRows == 10)
        #expect(try parse(#"{"metrics": ["a"], "baseline": "7d"}"#).baseline == .duration(7 * 86_400_000_000_000))
    }

    @Test("random_stream: splitmix64 by default, scikit-learn with a 32-bit seed")
    func randomStream() throws {
        #expect(try parse(#"{"metrics": ["a"]}"#).parameters.stream == .splitMix64)
        let c = try parse(#"{"metrics": ["a"], "random_stream": "scikit-learn", "seed": 4294967295}"#)
        #expect(c.parameters == IsolationForest.Parameters(seed: 4_294_967_295, stream: .scikitLearn))
        #expect(message(#"{"metrics": ["a"], "random_stream": "numpy"}"#).contains("'random_stream': 'numpy' is not one of splitmix64, scikit-learn"))
        #expect(message(#"{"metrics": ["a"], "random_stream": "scikit-learn", "seed": 4294967296}"#).contains("'seed'"))
        // Any 64-bit seed stays valid for the default stream.
        #expect(try parse(#"{"metrics": ["a"], "seed": 4294967296}"#).parameters.seed == 4_294_967_296)
    }

    @Test("every bad setting is refused with its key named")
    func errors() {
        #expect(message("{}").contains("'metrics'"))
        #expect(message(#"{"metrics": []}"#).contains("'metrics': needs 1 to 1024"))
        #expect(message(#"{"metrics": ["a b"]}"#).contains("'metrics[0]'"))
        #expect(message(#"{"metrics": ["a", "a"]}"#).contains("'metrics[1]': 'a' is listed twice"))
        #expect(message(#"{"metrics": ["a{x}"]}"#).contains("'metrics[0]'"))
        #expect(message(#"{"metrics": ["a"], "threshold": 1.5}"#).contains("'threshold'"))
        #expect(message(#"{"metrics": ["a"], "threshold": "high"}"#).contains("'threshold'"))
        #expect(message(#"{"metrics": ["a"], "baseline": "soon"}"#).contains("'baseline'"))
        #expect(message(#"{"metrics": ["a"], "baseline": 1.5}"#).contains("'baseline'"))
        #expect(message(#"{"metrics": ["a"], "baseline": 300000}"#).contains("'baseline': 300000 rows is more than max_training_rows"))
        #expect(message(#"{"metrics": ["a"], "step": "0s"}"#).contains("'step'"))
        #expect(message(#"{"metrics": ["a"], "trees": 0}"#).contains("'trees'"))
        #expect(message(#"{"metrics": ["a"], "samples": 1}"#).contains("'samples'"))
        #expect(message(#"{"metrics": ["a"], "rule": "a.b"}"#).contains("'rule'"))
        #expect(message(#"{"metrics": ["a"], "severity": "loud"}"#).contains("'severity'"))
        #expect(message(#"{"metrics": ["a"], "fit_rows": 1}"#).contains("'fit_rows'"))
        #expect(message(#"{"metrics": ["a"], "tres": 10}"#).contains("'tres': unknown key"))
    }

    @Test("a selector matches exactly its labels besides host")
    func selectorMatching() throws {
        let plain = try MetricSelector(parsing: "cpu.total", key: "k")
        #expect(plain.matches(name: "cpu.total", labels: [("host", "a")]))
        #expect(!plain.matches(name: "cpu.total", labels: [("core", "1"), ("host", "a")]))
        #expect(!plain.matches(name: "cpu.user", labels: [("host", "a")]))
        let eth = try MetricSelector(parsing: "net.rx_bytes{interface=eth0}", key: "k")
        #expect(eth.matches(name: "net.rx_bytes", labels: [("host", "a"), ("interface", "eth0")]))
        #expect(!eth.matches(name: "net.rx_bytes", labels: [("host", "a"), ("interface", "eth1")]))
        #expect(!eth.matches(name: "net.rx_bytes", labels: [("host", "a")]))
    }
}
