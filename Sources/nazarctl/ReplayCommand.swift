import ArgumentParser
import Host
import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// `nazarctl replay`: backtest a detector on history before enabling it.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a detector plugin over a CSV and write its score and alerts per row.",
        discussion: """
            Loads the detector's shared library through the same loader and C ABI as nazard, \
            creates one instance with the given config, and feeds the CSV one row per call. \
            NAB files are timestamp,value rows; ODDS files are f0,...,fN,label rows (the label \
            is not shown to the detector). Output, one row per input row: NAB \
            timestamp,value,score,alert; ODDS row,label,score,alert. The score is the highest \
            anomaly.score the detector published for the row, alert is 1 when it raised an alert.

            Example: nazarctl replay --plugin detector-ewma --instance /etc/nazar/plugins.d/detector-ewma.toml \
            --input cpu.csv --output scored.csv
            """)

    @Option(name: .long, help: ArgumentHelp("Detector plugin: a name on the search path or a path to a .so.", valueName: "name"))
    var plugin: String

    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp("A directory searched for plugins first (repeatable).", valueName: "dir"))
    var pluginDirectories: [String] = []

    @Option(name: .long, help: ArgumentHelp("A plugins.d file whose [config] table configures the instance.", valueName: "file"))
    var instance: String?

    @Option(name: .customLong("config-json"), help: ArgumentHelp("The instance's config as a JSON object (instead of --instance).", valueName: "json"))
    var configJSON: String?

    @Option(name: .long, help: ArgumentHelp("The CSV to replay.", valueName: "file"))
    var input: String

    @Option(name: .long, help: "nab (timestamp,value) or odds (f0..fN,label).")
    var format: String = "nab"

    @Option(name: .long, help: ArgumentHelp("Where to write the result; - is standard output.", valueName: "file"))
    var output: String = "-"

    @Option(name: .long, help: "Metric name of a NAB series' points.")
    var metric: String = "value"

    @Option(name: .long, help: "ODDS: time between rows (e.g. 1s, 10s).")
    var step: String = "1s"

    @Option(name: .long, help: "The host label of the replayed points.")
    var host: String = "replay"

    @Flag(name: .customLong("fit-all"), help: "Feed the input twice: learn from the first pass (config gets fit_rows), write the second.")
    var fitAll = false

    @Flag(name: .long, help: "Stop with exit status 1 at the first malformed row instead of reporting it and going on.")
    var strict = false

    @Flag(name: .customLong("no-strict-permissions"), help: "Load a plugin file even if others can write it or its directory (as plugins.strict_permissions = false).")
    var noStrictPermissions = false

    func run() throws {
        guard let format = ReplayFormat(rawValue: format) else {
            throw ValidationError("--format must be one of: \(ReplayFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let stepDuration = DurationText.parse(step), stepDuration > .zero else {
            throw ValidationError("--step '\(step)' is not a duration such as 1s or 10s")
        }
        var options = Replay.Options(plugin: plugin, inputPath: input)
        options.pluginDirectories = pluginDirectories
        options.format = format
        options.metric = metric
        options.step = stepDuration.nanoseconds
        options.host = host
        options.fitAll = fitAll
        options.strict = strict
        options.strictPermissions = !noStrictPermissions
        switch (instance, configJSON) {
        case (let file?, nil):
            do {
                let (config, warnings) = try ConfigLoader.loadInstanceFile(file)
                warnings.forEach { printError("\($0)") }
                options.configJSON = config.configJSON
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        case (nil, let json?):
            guard case .object? = try? JSONValue.parse(json) else {
                throw ValidationError("--config-json must be a JSON object")
            }
            options.configJSON = json
        case (nil, nil):
            break
        default:
            throw ValidationError("give --instance or --config-json, not both")
        }

        let sink: UnsafeMutablePointer<FILE>
        if output == "-" {
            // A FILE of our own on fd 1: the C `stdout` global is not visible under strict concurrency.
            guard let f = fdopen(dup(1), "w") else { throw ExitCode(2) }
            sink = f
        } else {
            guard let f = fopen(output, "w") else {
                printError("nazarctl: cannot write \(output): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            sink = f
        }
        defer { fclose(sink) }
        do {
            let summary = try Replay(options: options).run(
                emit: { line in fputs(line, sink); fputc(0x0A, sink) },
                warn: { printError($0) })
            printError("replayed \(summary.rows) rows (\(summary.badRows) malformed), \(summary.scored) scored, \(summary.alerts) alerts raised")
        } catch {
            printError("nazarctl replay: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Writes a line to standard error with one write(2).
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
