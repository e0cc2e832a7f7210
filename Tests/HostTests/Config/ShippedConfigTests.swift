import Testing
@testable import Host

extension Config {
    @Suite("etc/nazar/nazar.toml")
    struct ShippedConfigTests {
        static let shippedPath: String = {
            // Tests/HostTests/Config/ShippedConfigTests.swift → repository root.
            var path = #filePath
            for _ in 0..<4 { path = ConfigPaths.directory(of: path) }
            return path + "/etc/nazar/nazar.toml"
        }()

        @Test func shippedFileSpellsOutExactlyTheDefaults() throws {
            let (config, diagnostics) = ConfigLoader.readMain(path: Self.shippedPath)
            #expect(diagnostics.isEmpty)
            #expect(config == DaemonConfig.defaults(sourcePath: Self.shippedPath))
        }

        @Test func shippedFileSetsEveryKnownKey() throws {
            let text = try ConfigFiles.readFile(Self.shippedPath).text
            let root = try TOMLDocument.parse(text)
            for (section, keys) in DaemonConfigReader.sections {
                guard case let .table(table)? = root[section] else {
                    Issue.record("section [\(section)] missing")
                    continue
                }
                #expect(Set(table.keys) == Set(keys), "[\(section)]")
            }
        }
    }
}
