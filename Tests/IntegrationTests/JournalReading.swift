import Foundation
import Testing

/// The real systemd-journald's socket (scripts/start-journald starts one).
let journalSocket = "/run/systemd/journal/socket"

/// What suites that read nazard's journal entries back share: whether journald runs,
/// entries by field, and C plugins built from the repository.
protocol JournalReading {}

extension JournalReading {
    /// True when journald runs; in CI its absence is a failure, not a skip.
    func journaldAvailable() -> Bool {
        if access(journalSocket, F_OK) == 0 { return true }
        let message = "systemd-journald is not running: start it with scripts/start-journald (scripts/test does)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(Comment(rawValue: message))
        } else {
            print("note: \(message); journal assertions not checked")
        }
        return false
    }

    /// Journal entries matching `filters` (FIELD=value), polled until `count` arrive.
    func journalEntries(_ filters: [String], atLeast count: Int = 1, timeout: Duration = .seconds(10)) throws -> [[String: Any]] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var entries: [[String: Any]] = []
        repeat {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
            p.arguments = ["-o", "json", "--no-pager"] + filters
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            entries = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            if entries.count >= count { return entries }
            usleep(100_000)
        } while clock.now < deadline
        return entries
    }

    /// Builds a C plugin from the repository with cc against the header alone.
    func compile(_ source: String, to output: String, define: String? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        p.arguments = ["-shared", "-fPIC", "-I", "\(TestPaths.repository)/Sources/PluginAPI/include", "-o", output,
                       "\(TestPaths.repository)/\(source)"] + (define.map { ["-D\($0)"] } ?? [])
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "cc \(source)")
    }
}
