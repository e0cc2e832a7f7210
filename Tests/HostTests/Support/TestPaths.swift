// The helpers every test target shares (TestPaths, TestFailure, CPlugin, eventually …)
// live in the TestSupport target; exported here so every file of HostTests sees them.
@_exported import TestSupport

/// HostTests' own C sources: fixture plugins compiled at test time, and the C example.
extension CPlugin {
    static func fixture(_ name: String) -> String { "\(TestPaths.repository)/Tests/HostTests/Fixtures/\(name)" }
    static let example = "\(TestPaths.repository)/Plugins/examples/collector-example.c"
}
