import Logging
import PluginKit

/// Backtests a detector on a CSV: the real plugin, loaded and called through the ABI,
/// fed one row per `on_points` call, with what it publishes and raises captured per row.
public struct Replay {
    public struct Options: Sendable {
        public var plugin: String
        public var pluginDirectories: [String] = []
        /// The detector's config as a JSON object.
        public var configJSON: String = "{}"
        public var inputPath: String
        public var format: ReplayFormat = .nab
        public var metric: String = "value"
        /// ODDS: time between rows, ns.
        public var step: Int64 = 1_000_000_000
        public var host: String = "replay"
        public var fitAll = false
        public var strict = false
        /// As plugins.strict_permissions: refuse plugin files others can write.
        public var strictPermissions = true
        public var stateDirectory: String = "/tmp"

        public init(plugin: String, inputPath: String) {
            self.plugin = plugin
            self.inputPath = inputPath
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    public struct Summary: Sendable {
        public var rows = 0
        public var badRows = 0
        public var alerts = 0
        public var scored = 0
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Runs the replay, handing each output line (header first) to `emit` and each
    /// warning (`FILE:LINE: reason`) to `warn`.
    public func run(emit: (String) -> Void, warn: (String) -> Void) throws(Failure) -> Summary {
        let text: String
        do {
            text = try readFile(options.inputPath)
        } catch {
            throw Failure("\(options.inputPath): \(error)")
        }
        let input: (header: [String], rows: [ReplayRow])
        do {
            input = try ReplayInput.read(text: text, format: options.format, step: options.step)
        } catch {
            throw Failure("\(options.inputPath): \(error)")
        }
        let rows = input.rows

        var config = options.configJSON
        if options.fitAll {
            guard case var .object(members) = try? JSONValue.parse(config) else {
                throw Failure("--fit-all needs the detector config to be a JSON object")
            }
            members.removeAll { $0.0 == "fit_rows" }
            members.append(("fit_rows", .number(Double(rows.count))))
            config = JSONEscaping.encode(.object(members))
        }

        let loader = PluginLoader(searchPath: options.pluginDirectories + DaemonConfig.defaults(sourcePath: "").searchPath,
                                  strictPermissions: options.strictPermissions)
        let descriptor: PluginDescriptor
        do {
            descriptor = try loader.load(options.plugin)
        } catch {
            throw Failure(error.description)
        }
        let registry = SeriesRegistry(maxSeries: 10_000_000, defaultHost: options.host)
        var settings = BusSettings.defaults
        settings.queueCapacity = 1 << 20
        settings.overflow = .dropOldest
        let bus = EmbeddedBus(settings: settings, registry: registry)
        let published = bus.subscribePoints(name: "replay-capture", patterns: [try! BindingPattern("#")])
        let alerts = bus.subscribeAlerts(name: "replay-capture", patterns: [try! BindingPattern("#")])
        // Alert lines would drown the output; the plugin's own errors still show.
        var logger = Logger(label: "replay")
        logger.logLevel = .error

        guard descriptor.kind == .detector else {
            throw Failure("\(descriptor.path): \(descriptor.path) is a \(descriptor.kind), not a detector")
        }
        let instance: SynchronousInstance
        do {
            instance = try SynchronousInstance(descriptor: descriptor, name: "replay", configJSON: config, bus: bus,
                                               alertBook: AlertBook(), hostname: options.host,
                                               stateDirectory: options.stateDirectory, batchCapacity: 4096, logger: logger)
        } catch {
            throw Failure("\(descriptor.path): \(error)")
        }
        defer { instance.stop() }

        // The input series, registered once.
        var series: [UInt64] = []
        do {
            switch options.format {
            case .nab:
                series = [try registry.intern(name: options.metric, labels: [])]
            case .odds:
                for name in input.header.dropLast() {
                    let metric = Double(name) == nil && SeriesRegistry.isValidName(name) ? name : "f\(series.count)"
                    series.append(try registry.intern(name: metric, labels: []))
                }
            }
        } catch {
            throw Failure("cannot register the input series: \(error)")
        }

        var isScoreSeries: [UInt64: Bool] = [:]
        let scratch = UnsafeMutablePointer<BusPoint>.allocate(capacity: 4096)
        defer { scratch.deallocate() }
        var points: [BusPoint] = []

        /// Feeds one row; returns its score (nil when none was published) and alert flag.
        func feed(_ row: ReplayRow, timestampOffset: Int64) -> (Double?, Bool) {
            points.removeAll(keepingCapacity: true)
            for (i, v) in row.values.enumerated() where i < series.count {
                points.append(BusPoint(series: series[i], timestamp: row.timestamp + timestampOffset, value: v))
            }
            if let message = points.withUnsafeBufferPointer({ instance.deliver($0) }) {
                warn("\(options.inputPath):\(row.line): the detector reported: \(message)")
            }
            var score: Double? = nil
            while true {
                let n = published.pop(into: scratch, max: 4096, untilMonotonicNanoseconds: 0)
                if n == 0 { break }
                for i in 0..<n {
                    let p = scratch[i]
                    let isScore = isScoreSeries[p.series] ?? {
                        let yes = registry.name(of: p.series) == "anomaly.score"
                        isScoreSeries[p.series] = yes
                        return yes
                    }()
                    if isScore, !p.value.isNaN { score = max(score ?? -.infinity, p.value) }
                }
            }
            var fired = false
            while let a = alerts.pop(untilMonotonicNanoseconds: 0) {
                if a.state == .firing { fired = true }
            }
            return (score, fired)
        }

        var summary = Summary()
        var goodRows: [ReplayRow] = []
        goodRows.reserveCapacity(rows.count)
        var offset: Int64 = 0
        if options.fitAll {
            for row in rows where row.problem == nil { _ = feed(row, timestampOffset: 0) }
            if let first = rows.first(where: { $0.problem == nil }), let last = rows.last(where: { $0.problem == nil }) {
                offset = last.timestamp - first.timestamp + max(options.step, 1)
            }
        }

        emit(options.format == .nab ? "timestamp,value,score,alert" : "row,label,score,alert")
        for row in rows {
            summary.rows += 1
            if let problem = row.problem {
                summary.badRows += 1
                warn("\(options.inputPath):\(row.line): \(problem)")
                if options.strict { throw Failure("\(options.inputPath):\(row.line): \(problem)") }
                emit("\(row.key),\(row.passthrough),,0")
                continue
            }
            let (score, fired) = feed(row, timestampOffset: offset)
            if score != nil { summary.scored += 1 }
            if fired { summary.alerts += 1 }
            emit("\(row.key),\(row.passthrough),\(score.map { formatScore($0) } ?? ""),\(fired ? 1 : 0)")
        }
        return summary
    }

    private func formatScore(_ v: Double) -> String {
        v.isFinite ? String(v) : (v.isNaN ? "" : (v > 0 ? "inf" : "-inf"))
    }
}

/// Reads a whole file as UTF-8.
func readFile(_ path: String) throws(Replay.Failure) -> String {
    guard let f = fopen(path, "rb") else { throw Replay.Failure(String(cString: strerror(errno))) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    if ferror(f) != 0 { throw Replay.Failure("read error") }
    return String(decoding: bytes, as: UTF8.self)
}

#if canImport(Glibc)
import Glibc
#endif
