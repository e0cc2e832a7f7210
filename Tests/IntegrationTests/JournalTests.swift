import Foundation
import Host
import Logging
import Testing

/// Logs through `JournalLogHandler` into a real systemd-journald and reads the entry back with
/// `journalctl`, the way an admin would. Needs journald: `scripts/start-journald`.
struct JournalTests {
    static let socketPath = "/run/systemd/journal/socket"

    @Test func structuredRecordReachesTheJournal() async throws {
        guard let problem = journaldProblem() else {
            try await logAndReadBack()
            return
        }
        let message = "systemd-journald is not running: start it with scripts/start-journald (\(problem))"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(Comment(rawValue: message))
        } else {
            // Outside CI a developer may not have journald; say so without failing the run.
            print("note: \(message); journal assertions not checked")
        }
    }

    private func logAndReadBack() async throws {
        let run = UUID().uuidString
        let logger = Logger(label: "nazar.integration") {
            JournalLogHandler(label: $0, syslogIdentifier: "nazard-test", logLevel: .debug)
        }
        logger.warning(
            "plugin refused",
            metadata: [
                "nazar_plugin": "detector-ewma",
                "nazar_event": "plugin_refused",
                "nazar_test_run": .string(run),
                "nazar_detail": "first line\nsecond line",
            ])

        let entries = try await readEntries(matching: "NAZAR_TEST_RUN=\(run)", within: .seconds(5))
        try #require(entries.count == 1, "expected one entry for NAZAR_TEST_RUN=\(run), got \(entries.count)")
        let entry = entries[0]
        #expect(entry["MESSAGE"] as? String == "plugin refused")
        #expect(entry["PRIORITY"] as? String == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "nazard-test")
        #expect(entry["NAZAR_PLUGIN"] as? String == "detector-ewma")
        #expect(entry["NAZAR_EVENT"] as? String == "plugin_refused")
        #expect(entry["NAZAR_LOGGER"] as? String == "nazar.integration")
        #expect(entry["NAZAR_DETAIL"] as? String == "first line\nsecond line")
        #expect(entry["CODE_FILE"] as? String == "IntegrationTests/JournalTests.swift")
        #expect(entry["CODE_FUNC"] as? String == "logAndReadBack()")
        #expect(entry["_TRANSPORT"] as? String == "journal")
    }

    /// Runs `journalctl -o json` for `match` until it returns entries or `within` has passed:
    /// journald may take a moment to write what it received.
    private func readEntries(matching match: String, within limit: Duration) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + limit
        while true {
            let entries = try journalctl(["-o", "json", "--no-pager", match])
            if !entries.isEmpty || ContinuousClock.now >= deadline { return entries }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func journalctl(_ arguments: [String]) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["journalctl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "journalctl \(arguments) exited \(process.terminationStatus)")
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        }
    }

    /// Why journald cannot take entries, or `nil` if it can: its socket must exist and have a
    /// reader (a datagram `connect` to a socket nobody owns any more is refused).
    private func journaldProblem() -> String? {
        guard FileManager.default.fileExists(atPath: Self.socketPath) else {
            return "\(Self.socketPath) does not exist"
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return "socket(): \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(Self.socketPath.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            return "connecting to \(Self.socketPath): \(String(cString: strerror(errno)))"
        }
        return nil
    }
}
