import CSystemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells the service manager about nazard's state through the `sd_notify` protocol
/// (`Type=notify` / `Type=notify-reload` services).
///
/// Every method sends one datagram to `$NOTIFY_SOCKET` and returns at once; when the variable is
/// not set (not started by systemd, or started without `NotifyAccess`) nothing is sent and the
/// result is ``Outcome/notSupervised``. The environment is never unset, so a later reload can
/// notify again.
///
/// Thread safety: stateless apart from immutable configuration; safe to call from any thread or
/// task concurrently.
public final class SystemdNotifier: Sendable {
    /// What happened to one notification.
    public enum Outcome: Sendable, Equatable {
        /// The datagram was handed to the service manager's socket.
        case sent
        /// `$NOTIFY_SOCKET` is not set: nobody is listening, nothing was sent.
        case notSupervised
        /// Sending failed; `errno` is the positive error number libsystemd reported.
        case failed(errno: Int32)
    }

    /// The process the notifications speak for, or `nil` for this process.
    private let senderPID: pid_t?

    /// Creates a notifier.
    ///
    /// - Parameter senderPID: when set, messages go through `sd_pid_notify` with that pid's
    ///   credentials (a helper process speaking for the main daemon; needs the privileges
    ///   `SCM_CREDENTIALS` requires for a foreign pid). `nil`, the normal case, uses `sd_notify`.
    public init(senderPID: pid_t? = nil) {
        self.senderPID = senderPID
    }

    /// Whether `$NOTIFY_SOCKET` is set, i.e. whether a service manager is listening.
    public var isEnabled: Bool {
        guard let value = getenv("NOTIFY_SOCKET") else { return false }
        return value.pointee != 0
    }

    /// The interval within which systemd expects ``watchdog()``, or `nil` when no watchdog is
    /// armed for this process (`$WATCHDOG_USEC` unset, or `$WATCHDOG_PID` names another process).
    ///
    /// Callers conventionally ping at half this interval.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(microseconds)
    }

    /// Reports that start-up (or a reload) finished: `READY=1`, plus `STATUS=` when given.
    @discardableResult
    public func ready(status: String? = nil) -> Outcome {
        send(["READY=1"] + Self.statusLine(status))
    }

    /// Replaces the one-line status `systemctl status` shows: `STATUS=`.
    ///
    /// Newlines in `text` become spaces, since the protocol is one assignment per line.
    @discardableResult
    public func status(_ text: String) -> Outcome {
        send(Self.statusLine(text))
    }

    /// Pings the watchdog: `WATCHDOG=1`.
    @discardableResult
    public func watchdog() -> Outcome {
        send(["WATCHDOG=1"])
    }

    /// Reports that a reload began: `RELOADING=1` with `MONOTONIC_USEC=` set to now on
    /// `CLOCK_MONOTONIC`, which `Type=notify-reload` requires to match the reload to its request.
    /// Send ``ready(status:)`` when the reload is done.
    @discardableResult
    public func reloading(status: String? = nil) -> Outcome {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"] + Self.statusLine(status))
    }

    /// Reports that shutdown began: `STOPPING=1`, plus `STATUS=` when given.
    @discardableResult
    public func stopping(status: String? = nil) -> Outcome {
        send(["STOPPING=1"] + Self.statusLine(status))
    }

    private func send(_ assignments: [String]) -> Outcome {
        let state = assignments.joined(separator: "\n")
        let result: Int32
        if let senderPID {
            result = sd_pid_notify(senderPID, 0, state)
        } else {
            // 0 = keep $NOTIFY_SOCKET: reloads and later notifications need it.
            result = sd_notify(0, state)
        }
        if result > 0 { return .sent }
        if result == 0 { return .notSupervised }
        return .failed(errno: -result)
    }

    private static func statusLine(_ status: String?) -> [String] {
        guard let status else { return [] }
        return ["STATUS=" + singleLine(status)]
    }

    /// The protocol separates assignments by newline and C strings end at NUL, so neither may
    /// survive inside a value.
    static func singleLine(_ text: String) -> String {
        // Character-wise so "\r\n" becomes one space, not two.
        String(text.map { $0.isNewline || $0 == "\u{0}" ? " " : $0 })
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
