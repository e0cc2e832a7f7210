import Foundation

/// Runs a program to completion; returns its exit status and its stdout and stderr
/// together. Throws when the program cannot be started.
@discardableResult
public func runTool(_ tool: String, _ args: [String], environment: [String: String]? = nil,
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
    // Read before waiting: a child filling the pipe would otherwise never exit.
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Compiles C plugins with the system compiler against the header alone, as a third
/// party would.
public enum CPlugin {
    /// `cc -shared -fPIC -O1 -Wall -Werror` of `source` into `output`; throws
    /// `TestFailure` with the compiler's output when it fails.
    public static func compile(_ source: String, to output: String, defines: [String] = []) throws {
        let args = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", TestPaths.headerInclude]
            + defines.map { "-D\($0)" } + ["-o", output, source]
        let (status, out) = try runTool("/usr/bin/cc", args)
        guard status == 0 else { throw TestFailure("cc failed for \(source): \(out)") }
    }
}
