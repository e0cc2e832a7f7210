import PluginKit

/// One `[[config.rules]]` table of detector-ewma:
///
///     name = "net_rx_unusual"       # required; alert rule name
///     metric = "net.rx_bytes"       # required; exact or glob
///     labels = { iface = "eth*" }   # optional label matchers
///     severity = "warning"          # info | warning | critical
///     alpha = 0.002                 # EWMA weight of the newest point, (0, 1)
///     k = 7.0                       # alert when |z| > k (in standard deviations)
///     clear_k = 2.0                 # an open incident resolves at the first |z| <= clear_k
///     sides = "both"                # both | upper | lower
///     warmup = 100                  # points learned before any score or alert
///     consecutive = 1               # points in a row beyond k before firing
///     rearm = "18h"                 # after firing, no new alert for this long (same incident)
///     smoothing = 0.1               # λ of the EWMA control chart statistic (1 = points only)
///     clip = 0                      # robust update: deviations clamped to ±clip·s (0 = off)
///     min_stddev = 0.0              # floor under s (units of the metric)
///     stale_after = "1h"            # an open incident of a series silent this long resolves (0 = never)
///     reset_after = "1d"            # a gap longer than this restarts learning (0 = never)
struct EWMARule: Sendable {
    let header: RuleHeader
    let alpha: Double
    let sides: Sidedness
    let warmup: Int
    let clip: Double
    let smoothing: Double
    let minStddev: Double
    let staleAfterNanoseconds: Int64
    let resetAfterNanoseconds: Int64
    let alarm: AlarmDiscipline.Parameters

    static let keys: Set<String> = RuleHeader.keys.union([
        "alpha", "k", "clear_k", "sides", "warmup", "consecutive", "rearm", "clip", "smoothing", "min_stddev", "stale_after",
        "reset_after",
    ])

    /// Shipped defaults, chosen on NAB v1.1 (see BENCHMARKS.md).
    enum Default {
        static let alpha = 0.002
        static let k = 7.0
        static let clearK = 2.0
        static let warmup = 100
        static let consecutive = 1
        static let rearm = Duration.seconds(18 * 3600)
        static let clip = 0.0
        static let smoothing = 0.1
        static let staleAfter = Duration.seconds(3600)
        static let resetAfter = Duration.seconds(86400)
    }

    init(table: PluginConfig) throws(PluginError) {
        try table.rejectUnknownKeys(allowed: Self.keys)
        header = try RuleHeader(table: table)
        alpha = try table.double("alpha", default: Default.alpha)
        guard alpha > 0, alpha < 1 else { throw .config(key: table.qualified("alpha"), "\(alpha) must be between 0 and 1 (exclusive)") }
        let k = try table.double("k", default: Default.k)
        guard k > 0 else { throw .config(key: table.qualified("k"), "\(k) must be above 0") }
        let clearK = try table.double("clear_k", default: min(Default.clearK, k))
        guard clearK >= 0, clearK <= k else {
            throw .config(key: table.qualified("clear_k"), "\(clearK) must be between 0 and k (\(k)): it is the hysteresis level below k")
        }
        switch try table.string("sides", default: "both") {
        case "both": sides = .both
        case "upper": sides = .upper
        case "lower": sides = .lower
        case let other: throw .config(key: table.qualified("sides"), "'\(other)' is not one of both, upper, lower")
        }
        warmup = try table.int("warmup", default: Default.warmup, range: 2...10_000_000)
        let consecutive = try table.int("consecutive", default: Default.consecutive, range: 1...1_000_000)
        let rearm = try table.nanoseconds("rearm", default: Default.rearm)
        smoothing = try table.double("smoothing", default: Default.smoothing)
        guard smoothing > 0, smoothing <= 1 else {
            throw .config(key: table.qualified("smoothing"), "\(smoothing) must be above 0 and at most 1 (1 = off)")
        }
        clip = try table.double("clip", default: Default.clip)
        guard clip == 0 || clip >= 1 else { throw .config(key: table.qualified("clip"), "\(clip) must be 0 (off) or at least 1") }
        minStddev = try table.double("min_stddev", default: 0)
        guard minStddev >= 0 else { throw .config(key: table.qualified("min_stddev"), "\(minStddev) must not be negative") }
        staleAfterNanoseconds = try table.nanoseconds("stale_after", default: Default.staleAfter)
        resetAfterNanoseconds = try table.nanoseconds("reset_after", default: Default.resetAfter)
        alarm = .init(k: k, clearK: clearK, consecutive: Int32(consecutive), rearmNanoseconds: rearm)
    }
}
