#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where nazard's log records go.
public enum LogDestination: String, Sendable, Equatable, CaseIterable {
    /// systemd-journald, with structured fields (``JournalLogHandler``).
    case journal
    /// logfmt lines on standard error (``LogfmtLogHandler``).
    case stderr
}

/// Deciding the destination from configuration and from how the process was started.
extension LogDestination {
    /// The settings `log.target` accepts.
    public static let settings = ["auto", "journal", "stderr"]

    /// journald's native protocol socket.
    public static let journalSocketPath = "/run/systemd/journal/socket"

    /// Chooses the destination for the configured setting.
    ///
    /// `"journal"` and `"stderr"` are obeyed. `"auto"` (and any other value; validate with
    /// ``settings`` when reading configuration) picks the journal when
    /// - `$JOURNAL_STREAM` (`"device:inode"`) names the file standard error is open on: systemd
    ///   sets it when it connects a service's output to the journal, and a match means our stderr
    ///   is still that stream (the check systemd's own tools make); or
    /// - standard error is not a terminal, journald's socket exists and `$INVOCATION_ID` is set
    ///   (we run as a systemd unit whose output was redirected elsewhere);
    /// and standard error otherwise. Reads the environment and `fstat`s descriptor 2; no side effects.
    public static func detect(configured: String) -> LogDestination {
        detect(
            configured: configured,
            environment: { name in getenv(name).map { String(cString: $0) } },
            standardError: STDERR_FILENO,
            journalSocketPath: journalSocketPath)
    }

    /// ``detect(configured:)`` with its inputs passed in, for tests.
    static func detect(
        configured: String,
        environment: (String) -> String?,
        standardError: Int32,
        journalSocketPath: String
    ) -> LogDestination {
        switch configured.lowercased() {
        case "journal": return .journal
        case "stderr": return .stderr
        default: break
        }
        if let stream = environment("JOURNAL_STREAM"), streamMatches(stream, descriptor: standardError) {
            return .journal
        }
        if isatty(standardError) == 0, isSocket(journalSocketPath), environment("INVOCATION_ID") != nil {
            return .journal
        }
        return .stderr
    }

    /// Whether `value`, systemd's `"device:inode"` in decimal, names the file `descriptor` is open on.
    static func streamMatches(_ value: String, descriptor: Int32) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else {
            return false
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    private static func isSocket(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return (status.st_mode & S_IFMT) == S_IFSOCK
    }
}
