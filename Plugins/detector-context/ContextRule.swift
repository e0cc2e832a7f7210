import PluginKit

/// One `[[config.rules]]` table of detector-context:
///
///     name = "cpu_pattern"          # required; alert rule name
///     metric = "cpu.total"          # required; exact or glob
///     labels = { core = "" }        # optional label matchers
///     severity = "warning"          # info | warning | critical
///     threshold = 0.8               # alert when the score reaches this (0, 1]
///     warmup = 750                  # points learned before any score or alert
///     min = 0                       # value range of the encoding; both or neither:
///     max = 100                     #   without them it is learned from the warm-up
///     rest = 150                    # points after a raw score ≥ base_threshold with score 0 (default warmup / 5)
///     base_threshold = 0.75         # the raw score that starts a rest
///     bits = 3                      # 2^bits value bins
///     max_left = 7                  # longest partial left side of a derived context
///     max_neurons = 15              # active contexts carried to the next step
///     max_contexts = 200000         # a series that learns more restarts learning (memory bound)
///     stale_after = "1h"            # an open incident of a series silent this long resolves (0 = never)
///     reset_after = "1d"            # a gap longer than this restarts learning (0 = never)
struct ContextRule: Sendable {
    let header: RuleHeader
    let threshold: Double
    let warmup: Int
    /// The configured range, or nil to learn it from the warm-up.
    let range: (min: Double, max: Double)?
    /// Learned ranges only: widening on each side, as a fraction of the learned width.
    let rangeMargin: Double
    let model: ContextAnomalyModel.Parameters
    let maxContexts: Int
    let staleAfterNanoseconds: Int64
    let resetAfterNanoseconds: Int64

    static let keys: Set<String> = RuleHeader.keys.union([
        "threshold", "warmup", "min", "max", "range_margin", "rest", "base_threshold", "bits", "max_left", "max_neurons", "max_contexts",
        "stale_after", "reset_after",
    ])

    /// Shipped defaults: the reference's parameters (NAB's context_ose), a warm-up of NAB's
    /// longest probationary period, and the alert threshold chosen on NAB (BENCHMARKS.md).
    enum Default {
        static let threshold = 0.75
        static let warmup = 750
        static let rangeMargin = 0.5
        static let baseThreshold = 0.75
        static let bits = 3
        static let maxLeft = 7
        static let maxNeurons = 15
        static let maxContexts = 200_000
        static let staleAfter = Duration.seconds(3600)
        static let resetAfter = Duration.seconds(86400)
    }

    init(table: PluginConfig) throws(PluginError) {
        try table.rejectUnknownKeys(allowed: Self.keys)
        header = try RuleHeader(table: table)
        threshold = try table.double("threshold", default: Default.threshold)
        guard threshold > 0, threshold <= 1 else {
            throw .config(key: table.qualified("threshold"), "\(threshold) must be above 0 and at most 1 (the score's range)")
        }
        warmup = try table.int("warmup", default: Default.warmup, range: 2...1_000_000)
        let low = try table.double("min"), high = try table.double("max")
        switch (low, high) {
        case (nil, nil): range = nil
        case let (lo?, hi?):
            guard lo < hi else { throw .config(key: table.qualified("max"), "\(ValueText.format(hi)) must be above min (\(ValueText.format(lo)))") }
            range = (lo, hi)
        case (nil, _?): throw .config(key: table.qualified("min"), "required with max: give both, or neither to learn the range")
        case (_?, nil): throw .config(key: table.qualified("max"), "required with min: give both, or neither to learn the range")
        }
        rangeMargin = try table.double("range_margin", default: Default.rangeMargin)
        guard rangeMargin >= 0, rangeMargin <= 10 else {
            throw .config(key: table.qualified("range_margin"), "\(rangeMargin) must be between 0 and 10 (a fraction of the learned width)")
        }
        var model = ContextAnomalyModel.Parameters()
        model.rest = try table.int("rest", default: Swift.max(1, warmup / 5), range: 1...10_000_000)
        model.baseThreshold = try table.double("base_threshold", default: Default.baseThreshold)
        guard model.baseThreshold > 0, model.baseThreshold <= 1 else {
            throw .config(key: table.qualified("base_threshold"), "\(model.baseThreshold) must be above 0 and at most 1")
        }
        model.bits = try table.int("bits", default: Default.bits, range: 1...8)
        model.maxLeftLength = try table.int("max_left", default: Default.maxLeft, range: 1...64)
        model.maxActiveNeurons = try table.int("max_neurons", default: Default.maxNeurons, range: 0...64)
        self.model = model
        maxContexts = try table.int("max_contexts", default: Default.maxContexts, range: 1000...100_000_000)
        staleAfterNanoseconds = try table.nanoseconds("stale_after", default: Default.staleAfter)
        resetAfterNanoseconds = try table.nanoseconds("reset_after", default: Default.resetAfter)
    }
}
