import ArgumentParser
import Host

/// `nazarctl query`: the stored values of the series a selector matches, over a time
/// range at a step, from the tier the range calls for (or the one asked for); or, with
/// `--latest`, the newest raw value of every series of a host.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print stored points of the series a selector matches.",
        discussion: """
            SELECTOR is Prometheus-style: cpu.total{host="web1"}, {host=~"web.*",core!="0"} or a bare metric name. \
            Times: now, -1h (relative), Unix seconds or RFC 3339. Without --step about 300 steps cover the range. \
            --tier auto takes the coarsest tier whose resolution fits the step among those whose retention covers --from. \
            Opens the store named by nazar.toml read-only; run it as a user who can read it (nazar or root).
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("Series selector (optional with --latest).", valueName: "selector"))
    var selector: String?

    // Unconditional: "-1h" is a value here, not an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Start of the range.", valueName: "time"))
    var from = "-1h"

    @Option(parsing: .unconditional, help: ArgumentHelp("End of the range (exclusive).", valueName: "time"))
    var to = "now"

    @Option(help: ArgumentHelp("Width of one output step, e.g. 10s, 5m (default: the range / 300).", valueName: "duration"))
    var step: String?

    @Option(name: .customLong("agg"), help: ArgumentHelp("How points of one step combine: \(StorageAggregation.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "aggregation"))
    var aggregation = "mean"

    @Option(help: ArgumentHelp("auto, raw, 1m or 1h.", valueName: "tier"))
    var tier = "auto"

    @Option(help: ArgumentHelp("table, csv or json.", valueName: "format"))
    var format: OutputFormat = .table

    @Option(help: ArgumentHelp("Most series to print; more matching is an error (narrow the selector).", valueName: "n"))
    var limit = 1000

    @Flag(help: "Print the latest raw value of every series of --host instead of a range.")
    var latest = false

    @Option(help: ArgumentHelp("The host for --latest.", valueName: "name"))
    var host: String?

    func validate() throws {
        if latest {
            guard let host, !host.isEmpty else { throw ValidationError("--latest needs --host") }
        } else if selector == nil {
            throw ValidationError("missing selector (or use --latest --host NAME)")
        }
        guard StorageAggregation(rawValue: aggregation) != nil else {
            throw ValidationError("--agg '\(aggregation)': use one of \(StorageAggregation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard tier == "auto" || StorageTier(rawValue: tier) != nil else {
            throw ValidationError("--tier '\(tier)': use auto, raw, 1m or 1h")
        }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let matchers: [LabelMatcher]
        do { matchers = try SeriesSelector.parse(selector ?? "") } catch { throw ValidationError("\(error)") }
        let now = wallClockNanoseconds()
        let start = try QueryTime.parse(from, now: now, field: "--from")
        let end = try QueryTime.parse(to, now: now, field: "--to")
        guard latest || end > start else {
            throw ValidationError("--to (\(QueryTime.format(end))) is not after --from (\(QueryTime.format(start)))")
        }
        let width = try stepWidth(start: start, end: end)
        let storage = try store.open()
        defer { storage.close() }
        var out = QueryOutput(format: format)
        if latest {
            let values = try storage.latest(host: host ?? "").filter { v in
                matchers.allSatisfy { $0.matches(metric: v.series.metric, labels: v.series.labels) }
            }
            out.latest(values)
            return
        }
        let series = try storage.series(matching: matchers)
        guard series.count <= limit else {
            throw ValidationError("\(series.count) series match \(selector ?? ""), more than --limit \(limit): narrow the selector")
        }
        let aggregation = StorageAggregation(rawValue: aggregation) ?? .mean
        let requested = tier == "auto" ? nil : StorageTier(rawValue: tier)
        out.begin()
        for s in series {
            let result = try storage.range(series: s.id, from: start, to: end, step: width, aggregation: aggregation,
                                           tier: requested, now: now)
            out.series(s, result)
        }
        out.end(matched: series.count)
    }

    private func stepWidth(start: Int64, end: Int64) throws -> Int64 {
        guard let step else {
            // About 300 steps, in whole seconds.
            return max(1_000_000_000, ((end - start) / 300 + 999_999_999) / 1_000_000_000 * 1_000_000_000)
        }
        do {
            return try QueryTime.duration(step, field: "--step")
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
