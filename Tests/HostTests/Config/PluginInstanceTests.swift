import Foundation
import Testing
@testable import Host

extension Config {
    @Suite("plugins.d")
    struct PluginInstanceTests {
        @Test func fullInstanceFile() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            let file = try fx.writePlugin("detector-ewma.toml", """
                plugin = "detector-ewma"
                enabled = false
                name = "ewma_cpu.1"
                interval = "1m30s"
                subscribe = ["metrics.*.cpu.#", "alerts.critical.*"]
                [config]
                alpha = 0.3
                window = 12
                """)
            let loaded = try fx.load()
            #expect(loaded.diagnostics.isEmpty)
            #expect(loaded.instances == [
                PluginInstanceConfig(file: file, name: "ewma_cpu.1", plugin: "detector-ewma", enabled: false,
                                     interval: .seconds(90), subscribe: ["metrics.*.cpu.#", "alerts.critical.*"],
                                     configJSON: #"{"alpha":0.3,"window":12}"#),
            ])
            #expect(loaded.instances[0].bindingPatterns.map(\.text) == ["metrics.*.cpu.#", "alerts.critical.*"])
        }

        @Test func minimalFileGetsDefaults() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            let file = try fx.writePlugin("collector-system.toml", "plugin = \"collector-system\"\n")
            let instance = try #require(try fx.load().instances.first)
            #expect(instance == PluginInstanceConfig(file: file, name: "collector-system", plugin: "collector-system",
                                                     enabled: true, interval: .seconds(10), subscribe: [], configJSON: "{}"))
        }

        @Test func isolationIsNoneByDefaultAndProcessWhenAsked() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.writePlugin("a.toml", "plugin = \"p\"\n")
            try fx.writePlugin("b.toml", "plugin = \"p\"\nisolation = \"process\"\n")
            try fx.writePlugin("c.toml", "plugin = \"p\"\nisolation = \"none\"\n")
            let loaded = try fx.load()
            #expect(loaded.diagnostics.isEmpty)
            #expect(loaded.instances.map(\.isolation) == [.none, .process, .none])
            // A changed isolation is a changed instance: reload restarts it.
            var moved = loaded.instances[0]
            moved.isolation = .process
            #expect(moved != loaded.instances[0])
        }

        @Test func absolutePathToASharedObjectIsAPluginReference() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.writePlugin("c.toml", "plugin = \"/opt/vendor/notifier-pager.so\"\n")
            #expect(try fx.load().instances.map(\.plugin) == ["/opt/vendor/notifier-pager.so"])
        }

        @Test func onlyTomlFilesInByteOrderAreRead() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            for name in ["b.toml", "a.toml", "B.toml", "a.toml.dpkg-old", "a.toml.dpkg-dist", "a.toml~", ".hidden.toml",
                         "notes.txt", "z.toml.disabled"] {
                try fx.writePlugin(name, "plugin = \"p\"\n")
            }
            // A backup that is not even TOML must not be parsed either.
            try fx.writePlugin("c.toml.dpkg-old", "this is = = not toml")
            let loaded = try fx.load()
            #expect(loaded.instances.map(\.name) == ["B", "a", "b"])
            #expect(loaded.diagnostics.isEmpty)
        }

        @Test func brokenFilesLeaveTheGoodOnesAlone() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.writePlugin("a-good.toml", "plugin = \"a\"\n")
            let syntax = try fx.writePlugin("b-syntax.toml", "plugin = \"b\"\ninterval = \n")
            let badValue = try fx.writePlugin("c-value.toml", "plugin = \"c\"\n\ninterval = \"10 s\"\n")
            try fx.writePlugin("d-good.toml", "plugin = \"d\"\n[config]\nx = 1\n")
            let directory = fx.path("plugins.d/e-dir.toml")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let dangling = fx.path("plugins.d/f-dangling.toml")
            try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: fx.path("nowhere.toml"))
            let fifo = fx.path("plugins.d/g-fifo.toml")
            #expect(mkfifo(fifo, 0o644) == 0)

            let loaded = try fx.load()
            #expect(loaded.instances.map(\.name) == ["a-good", "d-good"])
            #expect(loaded.instances.map(\.configJSON) == ["{}", #"{"x":1}"#])
            #expect(loaded.hasErrors)
            #expect(loaded.diagnostics.map(\.file) == [syntax, badValue, directory, dangling, fifo])
            #expect(loaded.diagnostics.map(\.line) == [2, 3, nil, nil, nil])
            #expect(loaded.diagnostics[1].key == "interval")
            #expect(loaded.diagnostics[2].message == "not a regular file")
            #expect(loaded.diagnostics[3].message == "cannot open: No such file or directory")
            #expect(loaded.diagnostics[4].message == "not a regular file")
        }

        @Test func duplicateNamesKeepTheFirstFileAndNameBoth() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            let first = try fx.writePlugin("10-cpu.toml", "plugin = \"collector-system\"\nname = \"cpu\"\n")
            let second = try fx.writePlugin("20-cpu.toml", "# again\nplugin = \"collector-system\"\n\nname = \"cpu\"\n")
            let third = try fx.writePlugin("cpu.toml", "plugin = \"collector-other\"\n")  // named by its file
            let loaded = try fx.load()
            #expect(loaded.instances.map(\.file) == [first])
            #expect(loaded.diagnostics == [
                .error("instance name 'cpu' is already used by \(first); this file is ignored", file: second, line: 4, key: "name"),
                .error("instance name 'cpu' is already used by \(first); this file is ignored", file: third, line: nil, key: "name"),
            ])
        }

        @Test func missingPluginsDirectoryIsAWarning() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            let loaded = try fx.load()
            #expect(loaded.instances.isEmpty)
            #expect(loaded.diagnostics == [.warning("plugins directory does not exist: no plugin instances", file: fx.pluginsPath)])
            #expect(!loaded.hasErrors)
        }

        @Test func pluginsDirectoryThatIsAFileIsAnError() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.write("plugins.d", "not a directory")
            let loaded = try fx.load()
            #expect(loaded.instances.isEmpty)
            #expect(loaded.diagnostics == [.error("cannot open directory: Not a directory", file: fx.pluginsPath)])
        }

        @Test func worldWritableFilesAndDirectoryAreWarnings() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            let file = try fx.writePlugin("a.toml", "plugin = \"a\"\n", mode: 0o666)
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: fx.pluginsPath)
            let loaded = try fx.load()
            #expect(loaded.instances.count == 1)
            #expect(loaded.diagnostics == [
                .warning("the plugins directory is world-writable: anyone can add a plugin instance", file: fx.pluginsPath),
                .warning("the file is world-writable: anyone can change it (chmod o-w)", file: file),
            ])
            #expect(!loaded.hasErrors)
        }

        /// (file name, text, line, key, message)
        static let invalidFiles: [(String, String, Int?, String?, String)] = [
            ("a.toml", "enabled = true\n", nil, "plugin",
             "missing: name the plugin (e.g. plugin = \"collector-system\") or give an absolute path to its .so"),
            ("a.toml", "plugin = 3\n", 1, "plugin", "expected a string, got integer"),
            ("a.toml", "plugin = \"\"\n", 1, "plugin", "must not be empty"),
            ("a.toml", "plugin = \"lib/x.so\"\n", 1, "plugin",
             "'lib/x.so' is neither a plugin name ([a-zA-Z0-9_.-]+) nor an absolute path to a .so file"),
            ("a.toml", "plugin = \"/opt/x\"\n", 1, "plugin",
             "'/opt/x' is neither a plugin name ([a-zA-Z0-9_.-]+) nor an absolute path to a .so file"),
            ("a.toml", "plugin = \"p\"\nenabled = \"no\"\n", 2, "enabled", "expected true or false, got string"),
            ("a.toml", "plugin = \"p\"\nname = \"my cpu\"\n", 2, "name", "'my cpu' is not a valid instance name: use [a-zA-Z0-9_.-]+"),
            ("my cpu.toml", "plugin = \"p\"\n", nil, "name",
             "the instance name 'my cpu' comes from the file name and is not valid: rename the file or set name = \"…\" ([a-zA-Z0-9_.-]+)"),
            ("a.toml", "plugin = \"p\"\ninterval = \"50ms\"\n", 2, "interval", "'50ms' is too short: the minimum is 100ms"),
            ("a.toml", "plugin = \"p\"\ninterval = 0.05\n", 2, "interval", "0.05 is too short: the minimum is 100ms"),
            ("a.toml", "plugin = \"p\"\ncall_timeout = \"10ms\"\n", 2, "call_timeout", "'10ms' is too short: the minimum is 100ms"),
            ("a.toml", "plugin = \"p\"\ninterval = \"soon\"\n", 2, "interval",
             "'soon' is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d, or a number of seconds)"),
            ("a.toml", "plugin = \"p\"\nsubscribe = \"metrics.#\"\n", 2, "subscribe", "expected an array of strings, got string"),
            ("a.toml", "plugin = \"p\"\nsubscribe = [\n  \"metrics.#\",\n  \"metrics..cpu\",\n]\n", 4, "subscribe[1]",
             "'metrics..cpu' is not a valid binding pattern: word 2 is empty"),
            ("a.toml", "plugin = \"p\"\nsubscribe = [\"metrics.cpu*\"]\n", 2, "subscribe[0]",
             "'metrics.cpu*' is not a valid binding pattern: word 2 'cpu*' mixes a wildcard with other characters; '*' and '#' must be whole words"),
            ("a.toml", "plugin = \"p\"\nsubscribe = [\"\"]\n", 2, "subscribe[0]", "'' is not a valid binding pattern: the pattern is empty"),
            ("a.toml", "plugin = \"p\"\nconfig = 5\n", 2, "config", "expected a table, got integer"),
            ("a.toml", "plugin = \"p\"\nisolation = \"fork\"\n", 2, "isolation",
             "'fork' is not an isolation mode: use \"none\" (in nazard, the default) or \"process\" (a nazar-plugin-host child per instance)"),
            ("a.toml", "plugin = \"p\"\nisolation = true\n", 2, "isolation", "expected a string, got boolean"),
            ("a.toml", "plugin = \"p\"\n[config.smtp]\nhost = \"mx\"\nport = nan\n", 4, "config.smtp.port",
             "nan cannot be passed to the plugin: JSON has no infinity or NaN"),
            ("a.toml", "plugin = \"p\"\nintervall = \"10s\"\n", 2, "intervall",
             "unknown key (known keys: call_timeout, config, enabled, interval, isolation, name, plugin, subscribe)"),
            ("a.toml", "plugin = \"p\"\n[settings]\nx = 1\n", 2, "settings",
             "unknown key (known keys: call_timeout, config, enabled, interval, isolation, name, plugin, subscribe)"),
        ]

        @Test(arguments: invalidFiles)
        func invalidFileIsRefusedWithLineAndKey(_ testCase: (String, String, Int?, String?, String)) throws {
            let (name, text, line, key, message) = testCase
            let fx = try ConfigFixture()
            try fx.writeMain()
            let file = try fx.writePlugin(name, text)
            try fx.writePlugin("zz-good.toml", "plugin = \"good\"\n")
            let loaded = try fx.load()
            #expect(loaded.diagnostics == [.error(message, file: file, line: line, key: key)])
            #expect(loaded.instances.map(\.name) == ["zz-good"])
        }

        @Test func everyProblemInAFileIsReportedInLineOrder() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.writePlugin("a.toml", """
                enabled = 1
                interval = "1ms"
                subscribe = ["a.#", "b..c"]
                colour = "red"
                """)
            let loaded = try fx.load()
            #expect(loaded.diagnostics.map(\.line) == [nil, 1, 2, 3, 4])
            #expect(loaded.diagnostics.map(\.key) == ["plugin", "enabled", "interval", "subscribe[1]", "colour"])
            #expect(loaded.instances.isEmpty)
        }

        @Test func checkSummaries() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.writePlugin("a.toml", "plugin = \"a\"\n")
            try fx.writePlugin("b.toml", "plugin = \"b\"\nenabled = false\n")
            try fx.writePlugin("c.toml", "plugin = \"c\"\n")
            #expect(ConfigLoader.check(path: fx.mainPath).summary == "nazar.toml OK, 3 plugin instances (1 disabled)")

            try fx.writePlugin("b.toml", "plugin = \"b\"\n", mode: 0o646)
            let warned = ConfigLoader.check(path: fx.mainPath)
            #expect(warned.summary == "nazar.toml OK, 3 plugin instances, 1 warning")
            #expect(!warned.hasErrors)

            try fx.writePlugin("d.toml", "plugin = 1\n")
            try fx.writePlugin("e.toml", "plugin = 2\n")
            let failed = ConfigLoader.check(path: fx.mainPath)
            #expect(failed.summary == "2 errors, 1 warning")
            #expect(failed.instances.count == 3)
            #expect(failed.hasErrors)

            try fx.writePlugin("b.toml", "plugin = \"b\"\n", mode: 0o644)
            try FileManager.default.removeItem(atPath: fx.path("plugins.d/e.toml"))
            #expect(ConfigLoader.check(path: fx.mainPath).summary == "1 error")
        }

        @Test func checkStillReadsPluginsWhenNazarTomlHasOtherErrors() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("[log]\nlevel = \"loud\"\n")
            try fx.writePlugin("a.toml", "plugin = \"a\"\nname = \"bad name\"\n")
            let check = ConfigLoader.check(path: fx.mainPath)
            #expect(check.diagnostics.map(\.key) == ["log.level", "name"])
            #expect(check.daemon?.logLevel == "info")
        }

        @Test func checkSkipsPluginsWhenTheirDirectoryIsInvalid() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("[daemon]\nplugins_directory = 7\n")
            try fx.writePlugin("a.toml", "plugin = 1\n")
            let check = ConfigLoader.check(path: fx.mainPath)
            #expect(check.diagnostics.map(\.key) == ["daemon.plugins_directory"])
            #expect(check.summary == "1 error")
        }

        @Test func checkOfUnparseableNazarToml() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("[bus\n")
            let check = ConfigLoader.check(path: fx.mainPath)
            #expect(check.daemon == nil)
            #expect(check.diagnostics.count == 1)
            #expect(check.diagnostics.first?.line == 1)
            #expect(check.summary == "1 error")
        }
    }
}
