import Testing
@testable import Host

extension Config {
    @Suite("nazar.toml")
    struct DaemonConfigTests {
        @Test func emptyFileGivesDocumentedDefaults() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("")
            try fx.writePlugin("a.toml", "plugin = \"a\"\n")
            let loaded = try fx.load()
            let d = loaded.daemon
            #expect(d.sourcePath == fx.mainPath)
            #expect(d.hostname == systemHostname())
            #expect(!d.hostname.isEmpty)
            #expect(d.stateDirectory == "/var/lib/nazar")
            #expect(d.pluginsDirectory == fx.pluginsPath)
            #expect(d.searchPath == ["/usr/lib/nazar/plugins", "/usr/local/lib/nazar/plugins"])
            #expect(d.strictPermissions)
            #expect(d.bus == BusSettings(backend: "embedded", queueCapacity: 65536, batchSize: 4096, overflow: .block,
                                         blockTimeout: .milliseconds(200), maxSeries: 1_000_000))
            #expect(d.selfMetricsInterval == .seconds(10))
            #expect(d.logLevel == "info")
            #expect(d.logTarget == .auto)
            #expect(d == DaemonConfig.defaults(sourcePath: fx.mainPath))
            #expect(loaded.diagnostics.isEmpty)
            #expect(!loaded.hasErrors)
        }

        @Test func rabbitmqTableIsRead() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("""
                [bus]
                backend = "rabbitmq"
                [bus.rabbitmq]
                urls = ["amqps://b1.example:5671", "amqp://b2.example"]
                vhost = "nazar"
                credentials_file = "secret/rabbitmq"
                tls_ca_file = "/etc/ssl/ca.pem"
                tls_cert_file = "c.pem"
                tls_key_file = "k.pem"
                tls_verify = false
                points_exchange = "p"
                alerts_exchange = "a"
                prefetch = 10
                confirm_batch = 5
                points_per_message = 200
                spool_directory = "/var/spool/nazar"
                spool_max_bytes = 1048576
                spool_policy = "block"
                reconnect_min = "50ms"
                reconnect_max = "10s"
                timeout = "2s"
                heartbeat = "0s"
                """)
            let loaded = try fx.load()
            #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
            let r = loaded.daemon.bus.rabbitmq
            #expect(loaded.daemon.bus.backend == "rabbitmq")
            #expect(r == RabbitMQSettings(urls: ["amqps://b1.example:5671", "amqp://b2.example"], vhost: "nazar",
                                          credentialsFile: fx.path("secret/rabbitmq"), tlsCAFile: "/etc/ssl/ca.pem",
                                          tlsCertFile: fx.path("c.pem"), tlsKeyFile: fx.path("k.pem"), tlsVerify: false,
                                          pointsExchange: "p", alertsExchange: "a", prefetch: 10, confirmBatch: 5,
                                          pointsPerMessage: 200, spoolDirectory: "/var/spool/nazar", spoolMaxBytes: 1 << 20,
                                          spoolPolicy: .block, reconnectMin: .milliseconds(50), reconnectMax: .seconds(10),
                                          timeout: .seconds(2), heartbeat: .zero))
        }

        @Test func brokerURLsParse() throws {
            let e = try BrokerEndpoint(parsing: "amqps://u:p:w@broker:5671/")
            #expect(e == BrokerEndpoint(host: "broker", port: 5671, tls: true).with(user: "u", password: "p:w"))
            #expect(e.description == "amqps://broker:5671", "never shows the password")
            #expect(try BrokerEndpoint(parsing: "amqp://h").port == 5672)
            for (bad, why) in [("h:5672", "missing amqp:// or amqps://"), ("amqp://", "no host"),
                               ("amqp://h:0", "port '0' is not 1...65535"), ("amqp://h/vh", "a path is not supported; set bus.rabbitmq.vhost")] {
                #expect(throws: BrokerEndpoint.ParseError.self) { try BrokerEndpoint(parsing: bad) }
                do { _ = try BrokerEndpoint(parsing: bad) } catch { #expect(error.reason == why) }
            }
        }

        @Test func everySettingIsRead() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("""
                [daemon]
                hostname = "web-1"
                state_directory = "state"
                plugins_directory = "/elsewhere/plugins.d"
                [plugins]
                search_path = ["/opt/p", "local/p"]
                strict_permissions = false
                [bus]
                backend = "embedded"
                queue_capacity = 1024
                batch_size = 1024
                overflow = "drop_oldest"
                block_timeout = "1.5s"
                max_series = 5
                [self_metrics]
                interval = "0s"
                [log]
                level = "debug"
                target = "stderr"
                """)
            let loaded = try fx.load()
            let d = loaded.daemon
            #expect(d.hostname == "web-1")
            #expect(d.stateDirectory == fx.path("state"))
            #expect(d.pluginsDirectory == "/elsewhere/plugins.d")
            #expect(d.searchPath == ["/opt/p", fx.path("local/p")])
            #expect(!d.strictPermissions)
            #expect(d.bus == BusSettings(backend: "embedded", queueCapacity: 1024, batchSize: 1024, overflow: .dropOldest,
                                         blockTimeout: .milliseconds(1500), maxSeries: 5))
            #expect(d.selfMetricsInterval == .zero)
            #expect(d.logLevel == "debug")
            #expect(d.logTarget == .stderr)
            // The configured plugins directory does not exist: a warning, no instances.
            #expect(loaded.instances.isEmpty)
            #expect(loaded.diagnostics == [.warning("plugins directory does not exist: no plugin instances",
                                                    file: "/elsewhere/plugins.d")])
            #expect(!loaded.hasErrors)
        }

        @Test func durationsMayBeNumbersOfSeconds() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("[bus]\nblock_timeout = 0.25\n[self_metrics]\ninterval = 30\n")
            let d = try fx.load().daemon
            #expect(d.bus.blockTimeout == .milliseconds(250))
            #expect(d.selfMetricsInterval == .seconds(30))
        }

        @Test func relativePluginsDirectoryFollowsABareConfigPath() {
            #expect(ConfigPaths.resolve("plugins.d", relativeTo: "nazar.toml") == "plugins.d")
            #expect(ConfigPaths.resolve("plugins.d", relativeTo: "/nazar.toml") == "/plugins.d")
            #expect(ConfigPaths.resolve("plugins.d", relativeTo: "/etc/nazar/nazar.toml") == "/etc/nazar/plugins.d")
            #expect(ConfigPaths.resolve("/abs", relativeTo: "/etc/nazar/nazar.toml") == "/abs")
        }

        @Test func missingFileThrows() throws {
            let fx = try ConfigFixture()
            let error = try #require(fx.loadError())
            #expect(error.severity == .error)
            #expect(error.file == fx.mainPath)
            #expect(error.line == nil)
            #expect(error.message == "cannot open: No such file or directory")
            #expect(error.description == "\(fx.mainPath): cannot open: No such file or directory")
        }

        @Test func directoryInsteadOfFileThrows() throws {
            let fx = try ConfigFixture()
            try fx.write("nazar.toml/x", "")
            #expect(fx.loadError()?.message == "not a regular file")
        }

        @Test func syntaxErrorThrowsWithItsLine() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("# comment\n[bus]\nqueue_capacity = 1024\noverflow = block\n")
            let error = try #require(fx.loadError())
            #expect(error.file == fx.mainPath)
            #expect(error.line == 4)
            #expect(error.key == nil)
        }

        @Test func invalidUTF8ThrowsWithItsLine() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("")
            var bytes = Array("[log]\nlevel = \"".utf8)
            bytes += [0xFF, 0xFE]
            bytes += Array("\"\n".utf8)
            try fx.writeBytes("nazar.toml", bytes)
            let error = try #require(fx.loadError())
            #expect(error.message == "not valid UTF-8")
            #expect(error.line == 2)
        }

        @Test func nulCharacterIsASyntaxError() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("[log]\nlevel = \"info\"\n\0\n")
            let error = try #require(fx.loadError())
            #expect(error.line == 3)
            #expect(error.message == "NUL character in file")
        }

        /// (file text, line, key, message): nazar.toml problems that stop the daemon.
        static let invalidValues: [(String, Int, String, String)] = [
            ("[bus]\nqueue_capacity = \"big\"\n", 2, "bus.queue_capacity", "expected an integer, got string"),
            ("[bus]\nqueue_capacity = 1023\n", 2, "bus.queue_capacity", "1023 is outside 1024...67108864"),
            ("[bus]\nqueue_capacity = 67108865\n", 2, "bus.queue_capacity", "67108865 is outside 1024...67108864"),
            ("[bus]\nbatch_size = 0\n", 2, "bus.batch_size", "0 is outside 1...1048576"),
            ("[bus]\nqueue_capacity = 2048\n\nbatch_size = 4096\n", 4, "bus.batch_size", "4096 is larger than bus.queue_capacity (2048)"),
            ("[bus]\nbatch_size = 100000\n", 2, "bus.batch_size", "100000 is larger than the default bus.queue_capacity (65536)"),
            ("[bus]\noverflow = \"sometimes\"\n", 2, "bus.overflow", "'sometimes' is not one of block, drop_newest, drop_oldest"),
            ("[bus.rabbitmq]\nprefetch = 0\n", 2, "bus.rabbitmq.prefetch", "0 is outside 1...65535"),
            ("[bus.rabbitmq]\nurls = [\"http://x\"]\n", 2, "bus.rabbitmq.urls[0]", "'http://x' is not a broker URL: scheme 'http' is neither amqp nor amqps (example: amqp://broker.example:5672)"),
            ("[bus.rabbitmq]\nspool_policy = \"never\"\n", 2, "bus.rabbitmq.spool_policy", "'never' is not one of drop_oldest, block"),
            ("[bus.rabbitmq]\nreconnect_min = \"5s\"\nreconnect_max = \"1s\"\n", 3, "bus.rabbitmq.reconnect_max", "reconnect_max is shorter than reconnect_min"),
            ("[bus.rabbitmq]\nvhosts = \"/\"\n", 2, "bus.rabbitmq.vhosts",
             "unknown key (known keys: alerts_exchange, confirm_batch, credentials_file, heartbeat, points_exchange, points_per_message, prefetch, reconnect_max, reconnect_min, spool_directory, spool_max_bytes, spool_policy, timeout, tls_ca_file, tls_cert_file, tls_key_file, tls_verify, urls, vhost)"),
            ("[bus]\nbackend = \"kafka\"\n", 2, "bus.backend", "'kafka' is not one of embedded, rabbitmq"),
            ("[bus]\nblock_timeout = \"20 ms\"\n", 2, "bus.block_timeout",
             "'20 ms' is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d, or a number of seconds)"),
            ("[bus]\nblock_timeout = -1\n", 2, "bus.block_timeout",
             "-1 is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d, or a number of seconds)"),
            ("[bus]\nblock_timeout = true\n", 2, "bus.block_timeout", "expected a duration such as \"10s\", got boolean"),
            ("[bus]\nmax_series = 0\n", 2, "bus.max_series", "0 is outside 1...100000000"),
            ("[self_metrics]\ninterval = \"50ms\"\n", 2, "self_metrics.interval", "'50ms' is too short: use 0s (off) or at least 100ms"),
            ("[storage]\nbackend = \"mysql\"\n", 2, "storage.backend", "'mysql' is not one of sqlite, postgresql, none"),
            ("[storage]\nbackend = \"postgresql\"\n", 2, "storage.backend", "backend \"postgresql\" needs dsn or dsn_file"),
            ("[storage]\ndsn = \"host=db\"\ndsn_file = \"pg.dsn\"\n", 3, "storage.dsn_file", "give either dsn or dsn_file, not both"),
            ("[storage]\nretention_raw = \"10m\"\n", 2, "storage.retention_raw", "'10m' is too short: the minimum is 1h"),
            ("[storage]\nretention_1m = 12\n", 2, "storage.retention_1m", "12 is too short: the minimum is 1h"),
            ("[storage]\nbuffer_points = 5\n", 2, "storage.buffer_points", "5 is outside 10000...100000000"),
            ("[storage]\nrollup_interval = \"soon\"\n", 2, "storage.rollup_interval",
             "'soon' is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d, or a number of seconds)"),
            ("[storage]\npath = 3\n", 2, "storage.path", "expected a string, got integer"),
            ("[log]\nlevel = \"verbose\"\n", 2, "log.level", "'verbose' is not one of debug, info, notice, warning, error"),
            ("[log]\ntarget = \"syslog\"\n", 2, "log.target", "'syslog' is not one of auto, journal, stderr"),
            ("[log]\nlevel = 3\n", 2, "log.level", "expected a string, got integer"),
            ("[plugins]\nstrict_permissions = \"yes\"\n", 2, "plugins.strict_permissions", "expected true or false, got string"),
            ("[plugins]\nsearch_path = \"/usr/lib\"\n", 2, "plugins.search_path", "expected an array of strings, got string"),
            ("[plugins]\nsearch_path = [\n  \"/a\",\n  7,\n]\n", 4, "plugins.search_path[1]", "expected a string, got integer"),
            ("[plugins]\nsearch_path = [\"\"]\n", 2, "plugins.search_path[0]", "must not be empty"),
            ("[daemon]\nstate_directory = \"\"\n", 2, "daemon.state_directory", "must not be empty"),
            ("[daemon]\nhostname = \"web1.example.com\"\n", 2, "daemon.hostname",
             "'web1.example.com' cannot be one topic word: use letters, digits, '-' and '_' (no '.')"),
            ("[daemon]\nhost = \"x\"\n", 2, "daemon.host", "unknown key (known keys: hostname, plugins_directory, state_directory)"),
            ("[log]\nlevel = \"info\"\n[logging]\nlevel = \"info\"\n", 3, "logging",
             "unknown section (known sections: bus, daemon, http, log, plugins, self_metrics, storage)"),
            ("hostname = \"x\"\n[daemon]\n", 1, "hostname", "belongs in the [daemon] section"),
            ("colour = true\n", 1, "colour", "unknown key outside any section (known sections: bus, daemon, http, log, plugins, self_metrics, storage)"),
            ("bus = 5\n", 1, "bus", "expected a table, got integer"),
            ("bus.overflow = \"never\"\n", 1, "bus.overflow", "'never' is not one of block, drop_newest, drop_oldest"),
        ]

        @Test func storageSectionIsRead() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("""
                [storage]
                backend = "postgresql"
                dsn_file = "secrets/pg.dsn"
                retention_raw = "2d"
                retention_1m = "30d"
                retention_1h = "365d"
                buffer_points = 50000
                rollup_interval = "30s"
                """)
            let d = try fx.load().daemon
            #expect(d.storage == StorageSettings(
                backend: .postgresql, path: nil, dsn: nil,
                dsnFile: ConfigPaths.resolve("secrets/pg.dsn", relativeTo: fx.mainPath),
                retention: StorageRetention(raw: .seconds(2 * 86_400), minute: .seconds(30 * 86_400), hour: .seconds(365 * 86_400)),
                bufferPoints: 50_000, rollupInterval: .seconds(30)))
            try fx.writeMain("[storage]\npath = \"db/n.db\"\n")
            let sqlite = try fx.load().daemon.storage
            #expect(sqlite.sqlitePath(stateDirectory: "/var/lib/nazar") == ConfigPaths.resolve("db/n.db", relativeTo: fx.mainPath))
            #expect(StorageSettings.defaults.sqlitePath(stateDirectory: "/var/lib/nazar") == "/var/lib/nazar/nazar.db")
        }

        @Test func rollUpTiersKeptShorterThanFinerOnesAreWarnedAbout() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("[storage]\nretention_raw = \"30d\"\nretention_1m = \"7d\"\nretention_1h = \"2d\"\n")
            let loaded = try fx.load()
            #expect(!loaded.hasErrors)
            #expect(loaded.daemon.storage.retention.raw == .seconds(30 * 86_400))
            let warnings = loaded.diagnostics.filter { !$0.isError && $0.key?.hasPrefix("storage.") == true }
            #expect(warnings.map(\.key) == ["storage.retention_1m", "storage.retention_1h"])
            #expect(warnings.map(\.line) == [3, 4])
            #expect(warnings.first?.description.contains("shorter than retention_raw") == true)
        }

        @Test(arguments: invalidValues)
        func invalidValueThrowsWithFileLineAndKey(_ testCase: (String, Int, String, String)) throws {
            let (text, line, key, message) = testCase
            let fx = try ConfigFixture()
            try fx.writeMain(text)
            let error = try #require(fx.loadError())
            #expect(error == .error(message, file: fx.mainPath, line: line, key: key))
            #expect(error.description == "\(fx.mainPath):\(line): \(key): \(message)")
        }

        @Test func checkReportsEveryErrorInLineOrder() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("""
                [log]
                colour = true
                level = "loud"
                [bus]
                overflow = "maybe"
                """)
            let check = ConfigLoader.check(path: fx.mainPath)
            #expect(check.diagnostics.map(\.line) == [2, 3, 5, nil])
            #expect(check.diagnostics.map(\.key) == ["log.colour", "log.level", "bus.overflow", nil])
            #expect(check.errorCount == 3)
            #expect(check.warningCount == 1)  // plugins.d does not exist
            #expect(check.summary == "3 errors, 1 warning")
            // load stops at the first one.
            #expect(fx.loadError()?.key == "log.colour")
        }

        @Test func worldWritableNazarTomlIsAWarning() throws {
            let fx = try ConfigFixture()
            try fx.write("nazar.toml", "", mode: 0o666)
            try fx.writePlugin("a.toml", "plugin = \"a\"\n")
            let loaded = try fx.load()
            #expect(loaded.diagnostics == [.warning("the file is world-writable: anyone can change it (chmod o-w)", file: fx.mainPath)])
            #expect(!loaded.hasErrors)
            #expect(loaded.instances.count == 1)
        }
    }
}
