import Foundation

/// Where things are when tests run: the repository, the build products, scratch space.
/// Shared by every test target (one definition of "where SwiftPM put the plugins").
public enum TestPaths {
    /// The repository root, from this file's path (Tests/TestSupport/TestPaths.swift).
    public static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The directory holding the test binary, which is also where SwiftPM puts the
    /// plugin shared libraries (libdetector-ewma.so …) and the executables (nazard, nazarctl).
    public static let buildProducts: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Linux XCTest bundles are `<name>.xctest` executables directly in the products dir.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The directory to pass with -I to compile against `<nazar/plugin.h>`.
    public static let headerInclude = "\(repository)/Sources/PluginAPI/include"

    /// A fresh private directory (mode 0700) named `nazar-<tag>-XXXXXX` under $TMPDIR
    /// or /tmp. The caller removes it. Throws `TestFailure` with the errno text.
    public static func makeTemporaryDirectory(_ tag: String = "t") throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/nazar-\(tag)-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw TestFailure("mkdtemp in \(base) failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: p)
    }
}

/// A test precondition that did not hold, with what and why.
public struct TestFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
