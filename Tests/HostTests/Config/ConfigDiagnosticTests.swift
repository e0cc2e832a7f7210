import Testing
@testable import Host

extension Config {
    @Suite("ConfigDiagnostic")
    struct ConfigDiagnosticTests {
        @Test func descriptionLeavesOutWhatIsUnknown() {
            #expect(ConfigDiagnostic.error("'sometimes' is not one of block, drop_newest, drop_oldest",
                                           file: "plugins.d/x.toml", line: 7, key: "bus.overflow").description
                == "plugins.d/x.toml:7: bus.overflow: 'sometimes' is not one of block, drop_newest, drop_oldest")
            #expect(ConfigDiagnostic.error("m", file: "f", key: "k").description == "f: k: m")
            #expect(ConfigDiagnostic.error("m", file: "f", line: 3).description == "f:3: m")
            #expect(ConfigDiagnostic.error("m", file: "f").description == "f: m")
        }

        @Test func warningsAreMarked() {
            let warning = ConfigDiagnostic.warning("world-writable", file: "f", line: 2, key: "k")
            #expect(warning.description == "f:2: warning: k: world-writable")
            #expect(!warning.isError)
            #expect(warning.severity == .warning)
        }

        @Test func loadedConfigHasErrorsOnlyForErrors() {
            let daemon = DaemonConfig.defaults(sourcePath: "/etc/nazar/nazar.toml")
            #expect(!LoadedConfig(daemon: daemon, instances: [], diagnostics: [.warning("w", file: "f")]).hasErrors)
            #expect(LoadedConfig(daemon: daemon, instances: [], diagnostics: [.warning("w", file: "f"), .error("e", file: "f")]).hasErrors)
        }
    }
}
