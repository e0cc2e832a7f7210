import Foundation
// The helpers every test target shares (TestPaths, TestFailure, runTool, eventually,
// requireDependency …) live in the TestSupport target; exported here so every file of
// NotifierTests sees them.
@_exported import TestSupport

/// Where the notifier tests' own helpers are.
extension TestPaths {
    static let servers = "\(repository)/Tests/NotifierTests/Servers"

    /// Debian's python, which has python3-aiosmtpd (a pyenv shim on PATH would not).
    static let python = "/usr/bin/python3"
}

/// Whether Debian's python has aiosmtpd.
func aiosmtpdAvailable() -> Bool {
    (try? runTool(TestPaths.python, ["-c", "import aiosmtpd"]).status) == 0
}

/// Writes `text` to `path` with `mode`.
func writeFile(_ path: String, _ text: String, mode: Int = 0o600) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, mode_t(mode))
}
