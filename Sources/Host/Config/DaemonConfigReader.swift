/// Validates the parsed nazar.toml into a `DaemonConfig`. Refused values leave the default
/// in place and add an error, so one pass finds every mistake.
enum DaemonConfigReader {
    static let sections: [String: [String]] = [
        "daemon": ["hostname", "state_directory", "plugins_directory"],
        "plugins": ["search_path", "strict_permissions"],
        "bus": ["backend", "queue_capacity", "batch_size", "overflow", "block_timeout", "max_series", "rabbitmq"],
        "storage": ["backend", "path", "dsn", "dsn_file", "retention_raw", "retention_1m", "retention_1h",
                    "buffer_points", "rollup_interval"],
        "self_metrics": ["interval"],
        "log": ["level", "target"],
        "http": HTTPSettings.keys,
    ]

    /// Known bus backends; those not in `availableBackends` are refused by name.
    static let knownBackends = ["embedded", "rabbitmq"]
    static let availableBackends = ["embedded", "rabbitmq"]
    static let maxSeriesRange = 1...100_000_000

    static func read(_ root: [String: TOMLNode], sourcePath: String, reader: inout ConfigValueReader) -> DaemonConfig {
        var config = DaemonConfig.defaults(sourcePath: sourcePath)
        rejectUnknownSections(root, reader: &reader)
        var tables: [String: [String: TOMLNode]] = [:]
        for (name, keys) in sections {
            guard let table = reader.table(root, name, at: TOMLPath()) else { continue }
            reader.rejectUnknownKeys(table, known: keys, at: TOMLPath(keys: name))
            tables[name] = table
        }

        if let daemon = tables["daemon"] {
            readDaemon(daemon, into: &config, reader: &reader)
        }
        if let plugins = tables["plugins"] {
            let base = TOMLPath(keys: "plugins")
            if let paths = reader.strings(plugins, "search_path", at: base) {
                var resolved: [String] = []
                for (index, path) in paths.enumerated() {
                    if path.isEmpty {
                        reader.error("must not be empty", at: base.appending("search_path").appending(index: index))
                    } else {
                        resolved.append(ConfigPaths.resolve(path, relativeTo: sourcePath))
                    }
                }
                config.searchPath = resolved
            }
            if let strict = reader.bool(plugins, "strict_permissions", at: base) {
                config.strictPermissions = strict
            }
        }
        if let bus = tables["bus"] {
            config.bus = readBus(bus, reader: &reader)
            if let rabbit = reader.table(bus, "rabbitmq", at: TOMLPath(keys: "bus")) {
                config.bus.rabbitmq = RabbitMQSettings.read(rabbit, sourcePath: sourcePath, reader: &reader)
            }
        }
        if let storage = tables["storage"] {
            config.storage = readStorage(storage, sourcePath: sourcePath, reader: &reader)
        }
        if let http = tables["http"] { config.http = HTTPSettings.read(http, sourcePath: sourcePath, reader: &reader) }
        if let selfMetrics = tables["self_metrics"],
           let interval = reader.duration(selfMetrics, "interval", at: TOMLPath(keys: "self_metrics"),
                                          minimum: .milliseconds(100), zeroAllowed: true) {
            config.selfMetricsInterval = interval
        }
        if let log = tables["log"] {
            let base = TOMLPath(keys: "log")
            if let level = reader.word(log, "level", at: base, allowed: DaemonConfig.logLevels) {
                config.logLevel = level
            }
            if let target = reader.choice(log, "target", at: base, as: LogTarget.self) {
                config.logTarget = target
            }
        }
        return config
    }

    private static func rejectUnknownSections(_ root: [String: TOMLNode], reader: inout ConfigValueReader) {
        let list = sections.keys.sorted().joined(separator: ", ")
        for key in root.keys.sorted() where sections[key] == nil {
            let path = TOMLPath(keys: key)
            if case .table = root[key] {
                reader.error("unknown section (known sections: \(list))", at: path)
            } else if let home = sections.first(where: { $0.value.contains(key) })?.key {
                // The usual slip: a key written above every section header.
                reader.error("belongs in the [\(home)] section", at: path)
            } else {
                reader.error("unknown key outside any section (known sections: \(list))", at: path)
            }
        }
    }

    private static func readDaemon(_ table: [String: TOMLNode], into config: inout DaemonConfig,
                                   reader: inout ConfigValueReader) {
        let base = TOMLPath(keys: "daemon")
        if let hostname = reader.string(table, "hostname", at: base), !hostname.isEmpty {
            // The host name becomes one word of every topic (metrics.<host>.<metric>).
            if isValidHostname(hostname) {
                config.hostname = hostname
            } else {
                reader.error("'\(hostname)' cannot be one topic word: use letters, digits, '-' and '_' (no '.')",
                             at: base.appending("hostname"))
            }
        }
        if let state = reader.nonEmptyString(table, "state_directory", at: base) {
            config.stateDirectory = ConfigPaths.resolve(state, relativeTo: config.sourcePath)
        }
        if let plugins = reader.nonEmptyString(table, "plugins_directory", at: base) {
            config.pluginsDirectory = ConfigPaths.resolve(plugins, relativeTo: config.sourcePath)
        }
    }

    private static func readBus(_ table: [String: TOMLNode], reader: inout ConfigValueReader) -> BusSettings {
        let base = TOMLPath(keys: "bus")
        var bus = BusSettings.defaults
        if let backend = reader.word(table, "backend", at: base, allowed: knownBackends) {
            if availableBackends.contains(backend) {
                bus.backend = backend
            } else {
                reader.error("'\(backend)' is not available in this build (available: \(availableBackends.joined(separator: ", ")))",
                             at: base.appending("backend"))
            }
        }
        let capacity = reader.integer(table, "queue_capacity", at: base, range: BusSettings.queueCapacityRange)
        if let capacity { bus.queueCapacity = capacity }
        if let batch = reader.integer(table, "batch_size", at: base, range: BusSettings.batchSizeRange) {
            if batch > bus.queueCapacity {
                let source = capacity == nil ? "the default bus.queue_capacity" : "bus.queue_capacity"
                reader.error("\(batch) is larger than \(source) (\(bus.queueCapacity))", at: base.appending("batch_size"))
            } else {
                bus.batchSize = batch
            }
        } else if bus.batchSize > bus.queueCapacity {
            // Only reachable if the default batch ever exceeds a permitted capacity.
            bus.batchSize = bus.queueCapacity
        }
        if let overflow = reader.choice(table, "overflow", at: base, as: OverflowPolicy.self) {
            bus.overflow = overflow
        }
        if let timeout = reader.duration(table, "block_timeout", at: base) {
            bus.blockTimeout = timeout
        }
        if let maxSeries = reader.integer(table, "max_series", at: base, range: maxSeriesRange) {
            bus.maxSeries = maxSeries
        }
        return bus
    }

    private static func readStorage(_ table: [String: TOMLNode], sourcePath: String,
                                    reader: inout ConfigValueReader) -> StorageSettings {
        let base = TOMLPath(keys: "storage")
        var storage = StorageSettings.defaults
        if let backend = reader.choice(table, "backend", at: base, as: StorageSettings.Backend.self) {
            storage.backend = backend
        }
        // "" spells out the default (<state_directory>/nazar.db) in the shipped file.
        if let path = reader.string(table, "path", at: base), !path.isEmpty {
            storage.path = ConfigPaths.resolve(path, relativeTo: sourcePath)
        }
        if let dsn = reader.string(table, "dsn", at: base), !dsn.isEmpty { storage.dsn = dsn }
        if let file = reader.string(table, "dsn_file", at: base), !file.isEmpty {
            storage.dsnFile = ConfigPaths.resolve(file, relativeTo: sourcePath)
        }
        if storage.dsn != nil && storage.dsnFile != nil {
            reader.error("give either dsn or dsn_file, not both", at: base.appending("dsn_file"))
        }
        if storage.backend == .postgresql && storage.dsn == nil && storage.dsnFile == nil && !reader.hasErrors {
            reader.error("backend \"postgresql\" needs dsn or dsn_file", at: base.appending("backend"))
        }
        let tiers: [(String, WritableKeyPath<StorageRetention, Duration>)] = [
            ("retention_raw", \.raw), ("retention_1m", \.minute), ("retention_1h", \.hour),
        ]
        for (key, field) in tiers {
            if let d = reader.duration(table, key, at: base, minimum: .seconds(3600)) { storage.retention[keyPath: field] = d }
        }
        // Each tier is rolled up from the one below while that one still holds the data;
        // a coarser tier kept for less time than a finer one is useless, not harmful.
        let r = storage.retention
        if r.minute < r.raw {
            reader.warning("shorter than retention_raw: the 1-minute tier will hold nothing raw points do not",
                           at: base.appending("retention_1m"))
        }
        if r.hour < r.minute {
            reader.warning("shorter than retention_1m: the 1-hour tier will hold nothing the 1-minute tier does not",
                           at: base.appending("retention_1h"))
        }
        if let n = reader.integer(table, "buffer_points", at: base, range: StorageSettings.bufferPointsRange) {
            storage.bufferPoints = n
        }
        if let d = reader.duration(table, "rollup_interval", at: base, minimum: .seconds(1)) {
            storage.rollupInterval = d
        }
        return storage
    }

    /// A host name must stay one word of `metrics.<host>.<metric>`: a '.' would split it
    /// and make `metrics.*.cpu` miss the host.
    static func isValidHostname(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
