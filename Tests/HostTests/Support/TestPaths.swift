import Foundation

/// Where things are when tests run: the repository, the build products, scratch space.
enum TestPaths {
    /// The repository root, from this file's path.
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The directory holding the test binary, which is also where SwiftPM puts the
    /// plugin shared libraries (libcollector-system.so, libnotifier-log.so).
    static let buildProducts: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Linux XCTest bundles are `<name>.xctest` executables directly in the products dir.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }()

    static let headerInclude = "\(repository)/Sources/PluginAPI/include"

    /// A fresh private directory under the system temp dir (mode 0700).
    static func makeTemporaryDirectory(_ tag: String = "t") throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/nazar-\(tag)-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: p)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Compiles C plugins with the system compiler against the header alone, as a third
/// party would.
enum CPlugin {
    static func compile(_ source: String, to output: String, defines: [String] = []) throws {
        let args = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", TestPaths.headerInclude]
            + defines.map { "-D\($0)" } + ["-o", output, source]
        let (status, out) = try run("/usr/bin/cc", args)
        guard status == 0 else { throw TestFailure("cc failed for \(source): \(out)") }
    }

    static func fixture(_ name: String) -> String { "\(TestPaths.repository)/Tests/HostTests/Fixtures/\(name)" }
    static let example = "\(TestPaths.repository)/Plugins/examples/collector-example.c"

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
