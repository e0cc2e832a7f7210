import Foundation
import Testing

/// Where things are when the notifier tests run.
enum TestPaths {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The build products directory: the plugins' .so files and nazard are there.
    static let buildProducts: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }()

    static let servers = "\(repository)/Tests/NotifierTests/Servers"

    /// Debian's python, which has python3-aiosmtpd (a pyenv shim on PATH would not).
    static let python = "/usr/bin/python3"

    static func makeTemporaryDirectory(_ tag: String) throws -> String {
        var template = Array("/tmp/nazar-\(tag)-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw TestFailure("mkdtemp failed")
        }
        return String(cString: p)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs a program to completion; returns its status and combined output.
@discardableResult
func runTool(_ tool: String, _ args: [String], environment: [String: String]? = nil,
             directory: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    if let environment { p.environment = environment }
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// True when `check` holds. Otherwise: under CI=true a recorded failure (a missing
/// dependency must not pass silently), elsewhere a note, and the test returns early.
func requireDependency(_ what: String, _ check: () -> Bool) -> Bool {
    if check() { return true }
    let message = "\(what) is missing: run scripts/test, which installs it"
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record(Comment(rawValue: message))
    } else {
        print("note: \(message); test not run")
    }
    return false
}

/// Whether Debian's python has aiosmtpd.
func aiosmtpdAvailable() -> Bool {
    (try? runTool(TestPaths.python, ["-c", "import aiosmtpd"]).status) == 0
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// Writes `text` to `path` with `mode`.
func writeFile(_ path: String, _ text: String, mode: Int = 0o600) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, mode_t(mode))
}
