import PluginKit

/// One `[[config.rules]]` table of detector-threshold. Exactly one of `above`, `below`,
/// `rate_above`, `rate_below` says what is watched:
///
///     name = "cpu_high"             # required; alert rule name
///     metric = "cpu.total"          # required; exact or glob
///     labels = { cpu = "total" }    # optional label matchers
///     severity = "warning"          # info | warning | critical
///     above = 90                    # fire when value > 90 ...
///     for = "5m"                    # ... continuously for 5 minutes (default 0: at once)
///     clear = 85                    # resolve only when value < 85 (hysteresis; default = the level)
///     rate_per = "1s"               # rate rules: the rate is change per this duration
///     reset_after = "1h"            # a gap longer than this forgets the series (0 = never)
///
/// An alert fires at once, without waiting for `for`, when the condition already holds
/// on the first evaluation of a series after the rule is loaded.
struct ThresholdRule: Sendable {
    enum Source: Sendable, Equatable {
        case value
        /// Change per `per` nanoseconds between consecutive points.
        case rate(per: Int64)
    }

    enum Direction: Sendable, Equatable { case above, below }

    let header: RuleHeader
    let source: Source
    let direction: Direction
    let level: Double
    let clear: Double
    let forNanoseconds: Int64
    let resetAfterNanoseconds: Int64

    static let keys: Set<String> = RuleHeader.keys.union([
        "above", "below", "rate_above", "rate_below", "clear", "for", "rate_per", "reset_after",
    ])

    init(table: PluginConfig) throws(PluginError) {
        try table.rejectUnknownKeys(allowed: Self.keys)
        header = try RuleHeader(table: table)
        let kinds: [(String, Source?, Direction)] = [
            ("above", .value, .above), ("below", .value, .below),
            ("rate_above", nil, .above), ("rate_below", nil, .below),
        ]
        let present = kinds.filter { table.has($0.0) }
        guard present.count == 1, let kind = present.first else {
            let found = present.map(\.0).joined(separator: ", ")
            throw .config(key: table.qualified(present.count > 1 ? present[1].0 : "above"),
                          present.isEmpty ? "required: one of above, below, rate_above, rate_below"
                                          : "only one of above, below, rate_above, rate_below per rule (found \(found))")
        }
        guard let level = try table.double(kind.0) else { throw .config(key: table.qualified(kind.0), "required") }
        self.level = level
        direction = kind.2
        if let source = kind.1 {
            self.source = source
            guard !table.has("rate_per") else {
                throw .config(key: table.qualified("rate_per"), "only for rate_above / rate_below rules")
            }
        } else {
            let per = try table.nanoseconds("rate_per", default: .seconds(1))
            guard per > 0 else { throw .config(key: table.qualified("rate_per"), "must be longer than 0") }
            source = .rate(per: per)
        }
        clear = try table.double("clear", default: level)
        switch direction {
        case .above where clear > level:
            throw .config(key: table.qualified("clear"), "\(ValueText.format(clear)) must not be above the level \(ValueText.format(level)) of '\(kind.0)'")
        case .below where clear < level:
            throw .config(key: table.qualified("clear"), "\(ValueText.format(clear)) must not be below the level \(ValueText.format(level)) of '\(kind.0)'")
        default: break
        }
        forNanoseconds = try table.nanoseconds("for", default: .zero)
        resetAfterNanoseconds = try table.nanoseconds("reset_after", default: .seconds(3600))
    }

    /// The numbers the per-point path needs (no strings: no reference counting).
    var parameters: ThresholdParameters {
        ThresholdParameters(above: direction == .above, level: level, clear: clear, forNanoseconds: forNanoseconds,
                            ratePer: { if case let .rate(per) = source { return per } else { return 0 } }(),
                            resetAfterNanoseconds: resetAfterNanoseconds)
    }

    /// "> 90" / "< 10" / "rate > 1e+06/1s", for summaries.
    var conditionText: String {
        let op = direction == .above ? ">" : "<"
        switch source {
        case .value: return "\(op) \(ValueText.format(level))"
        case let .rate(per): return "rate \(op) \(ValueText.format(level))/\(ValueText.format(Duration.nanoseconds(per)))"
        }
    }
}

struct ThresholdParameters: Sendable {
    var above: Bool
    var level: Double
    var clear: Double
    var forNanoseconds: Int64
    /// 0 for value rules; the rate's time unit in ns for rate rules.
    var ratePer: Int64
    var resetAfterNanoseconds: Int64

    /// Beyond the firing level.
    @inline(__always) func breaches(_ x: Double) -> Bool { above ? x > level : x < level }
    /// Back on the safe side of the clear level.
    @inline(__always) func clears(_ x: Double) -> Bool { above ? x < clear : x > clear }

    /// 0 at or inside the clear level, 1 at or beyond the firing level, linear between
    /// (a step at the level when clear equals it).
    @inline(__always) func score(_ x: Double) -> Double {
        let excess = above ? x - clear : clear - x
        let span = above ? level - clear : clear - level
        guard excess > 0 else { return 0 }
        guard span > 0 else { return breaches(x) ? 1 : 0 }
        return min(excess / span, 1)
    }
}
