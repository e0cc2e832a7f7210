import Logging
import Testing

@testable import Host

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct LogTargetTests {
    /// A regular file standing in for whatever descriptor 2 is: not a terminal, with a known
    /// device and inode.
    private final class StandInStderr {
        let descriptor: Int32
        let journalStream: String
        init() throws {
            var template = Array("/tmp/nazar-stderr-XXXXXX".utf8CString)
            descriptor = mkstemp(&template)
            try #require(descriptor >= 0)
            unlink(template)  // only the open descriptor is needed
            var status = stat()
            try #require(fstat(descriptor, &status) == 0)
            journalStream = "\(status.st_dev):\(status.st_ino)"
        }
        deinit { close(descriptor) }
    }

    private func detect(
        _ configured: String, _ environment: [String: String], stderr: StandInStderr,
        socketPath: String = "/nonexistent-nazar-test/socket"
    ) -> LogDestination {
        LogDestination.detect(
            configured: configured, environment: { environment[$0] }, standardError: stderr.descriptor,
            journalSocketPath: socketPath)
    }

    @Test func explicitSettingsWin() throws {
        let stderr = try StandInStderr()
        #expect(detect("journal", [:], stderr: stderr) == .journal)
        #expect(detect("stderr", ["JOURNAL_STREAM": stderr.journalStream], stderr: stderr) == .stderr)
    }

    @Test func autoFollowsMatchingJournalStream() throws {
        let stderr = try StandInStderr()
        #expect(detect("auto", ["JOURNAL_STREAM": stderr.journalStream], stderr: stderr) == .journal)
    }

    @Test func autoIgnoresStaleJournalStream() throws {
        // Inherited from a parent whose stderr was the journal, but ours was redirected since.
        let stderr = try StandInStderr()
        #expect(detect("auto", ["JOURNAL_STREAM": "1:2"], stderr: stderr) == .stderr)
        #expect(detect("auto", ["JOURNAL_STREAM": "garbage"], stderr: stderr) == .stderr)
    }

    @Test func autoUsesJournalForAUnitWithRedirectedOutput() throws {
        let stderr = try StandInStderr()
        let socket = try NotifySocketListener()  // any AF_UNIX socket stands in for journald's
        #expect(detect("auto", ["INVOCATION_ID": "abc"], stderr: stderr, socketPath: socket.path) == .journal)
        #expect(detect("auto", [:], stderr: stderr, socketPath: socket.path) == .stderr)
        #expect(detect("auto", ["INVOCATION_ID": "abc"], stderr: stderr) == .stderr)
    }

    @Test func makeHandlerPicksTheHandlerType() {
        #expect(LoggingBootstrap.makeHandler(destination: .journal, label: "t", level: .debug) is JournalLogHandler)
        let handler = LoggingBootstrap.makeHandler(destination: .stderr, label: "t", level: .error)
        #expect(handler is LogfmtLogHandler)
        #expect(handler.logLevel == .error)
    }
}
