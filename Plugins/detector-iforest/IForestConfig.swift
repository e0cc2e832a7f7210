import PluginKit

/// The `[config]` table of a detector-iforest instance, validated. Every error names
/// its key so `nazarctl check-config` can point at the line to fix.
struct IForestConfig: Sendable {
    /// How much history the model learns from.
    enum Baseline: Equatable, Sendable {
        /// The last N complete rows.
        case rows(Int)
        /// The rows of the last span of data time (at least `minBaselineRows` of them).
        case duration(Int64)
    }

    static let keys: Set<String> = [
        "metrics", "rule", "model", "severity", "step", "baseline", "min_baseline_rows", "retrain_interval",
        "max_training_rows", "threshold", "consecutive", "trees", "samples", "seed", "random_stream", "fit_rows", "persist",
    ]

    var metrics: [MetricSelector]
    var rule: String
    var model: String
    var severity: AlertSpec.Severity
    var stepNanoseconds: Int64
    var baseline: Baseline
    var minBaselineRows: Int
    /// 0 = never retrain.
    var retrainIntervalNanoseconds: Int64
    var maxTrainingRows: Int
    var threshold: Double
    var consecutive: Int
    var parameters: IsolationForest.Parameters
    /// Replay convention: learn from exactly the first N complete rows, then only score.
    var fitRows: Int?
    var persist: Bool

    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: IForestConfig.keys)
        guard let texts = try config.strings("metrics") else {
            throw .config(key: "metrics", "required: the metrics the model combines, e.g. [\"cpu.total\", \"load.1\"]")
        }
        guard (1...1024).contains(texts.count) else { throw .config(key: "metrics", "needs 1 to 1024 metrics, got \(texts.count)") }
        var metrics: [MetricSelector] = []
        for (i, text) in texts.enumerated() {
            let selector = try MetricSelector(parsing: text, key: "metrics[\(i)]")
            guard !metrics.contains(selector) else { throw .config(key: "metrics[\(i)]", "'\(text)' is listed twice") }
            metrics.append(selector)
        }
        self.metrics = metrics
        rule = try config.string("rule", default: "iforest")
        guard IForestConfig.isWord(rule) else { throw .config(key: "rule", "'\(rule)' must match [a-zA-Z0-9_-]+") }
        model = try config.string("model", default: rule)
        guard IForestConfig.isWord(model) else { throw .config(key: "model", "'\(model)' must match [a-zA-Z0-9_-]+") }
        let severityName = try config.string("severity", default: "warning")
        guard let severity = AlertSpec.Severity(name: severityName) else {
            throw .config(key: "severity", "'\(severityName)' is not one of info, warning, critical")
        }
        self.severity = severity
        let step = try config.duration("step", default: .seconds(10))
        stepNanoseconds = IForestConfig.nanoseconds(step)
        guard stepNanoseconds > 0 else { throw .config(key: "step", "must be longer than 0s") }

        switch config.value("baseline") {
        case nil:
            baseline = .duration(86_400 * 1_000_000_000)
        case let .number(rows)?:
            guard rows.rounded() == rows, rows >= 2, rows <= 10_000_000 else {
                throw .config(key: "baseline", "a row count must be an integer from 2 to 10000000, got \(rows)")
            }
            baseline = .rows(Int(rows))
        case .string?:
            let d = IForestConfig.nanoseconds(try config.duration("baseline") ?? .zero)
            guard d > 0 else { throw .config(key: "baseline", "must be longer than 0s") }
            baseline = .duration(d)
        case let other?:
            throw .config(key: "baseline", "expected a duration such as \"1d\" or a row count, got \(other.typeName)")
        }
        minBaselineRows = try config.int("min_baseline_rows", default: 128, range: 2...10_000_000)
        retrainIntervalNanoseconds = IForestConfig.nanoseconds(try config.duration("retrain_interval", default: .seconds(86_400)))
        maxTrainingRows = try config.int("max_training_rows", default: 200_000, range: 2...10_000_000)
        if case let .rows(n) = baseline, n > maxTrainingRows {
            throw .config(key: "baseline", "\(n) rows is more than max_training_rows = \(maxTrainingRows)")
        }
        threshold = try config.double("threshold", default: 0.65)
        guard threshold > 0, threshold < 1 else { throw .config(key: "threshold", "must be between 0 and 1 (exclusive), got \(threshold)") }
        consecutive = try config.int("consecutive", default: 3, range: 1...10_000)
        let trees = try config.int("trees", default: 100, range: 1...10_000)
        let samples = try config.int("samples", default: 256, range: 2...65_536)
        let streamName = try config.string("random_stream", default: IsolationForest.RandomStream.splitMix64.rawValue)
        guard let stream = IsolationForest.RandomStream(rawValue: streamName) else {
            throw .config(key: "random_stream", "'\(streamName)' is not one of splitmix64, scikit-learn")
        }
        // scikit-learn's random_state (NumPy's legacy RandomState) takes a 32-bit seed.
        let seedLimit = stream == .scikitLearn ? Int(UInt32.max) : Int.max
        let seed = try config.int("seed", default: 0, range: 0...seedLimit)
        parameters = IsolationForest.Parameters(trees: trees, samples: samples, seed: UInt64(seed), stream: stream)
        fitRows = try config.int("fit_rows")
        if let fitRows, fitRows < 2 { throw .config(key: "fit_rows", "must be at least 2, got \(fitRows)") }
        persist = try config.bool("persist", default: true)
    }

    /// The metric names, in feature order (for labels and summaries).
    var metricNames: [String] { metrics.map(\.name) }

    /// Identifies the model's inputs; a persisted model trained on other inputs or
    /// settings is not reused.
    var signature: String {
        metrics.map(\.text).joined(separator: "\n") + "\ntrees=\(parameters.trees) samples=\(parameters.samples)"
    }

    static func isWord(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { MetricSelector.isNameByte($0) && $0 != 0x2E || $0 == 0x2D }
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : ns + atto / 1_000_000_000
    }
}
