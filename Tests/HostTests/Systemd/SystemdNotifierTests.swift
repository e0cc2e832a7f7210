import Testing

@testable import Host

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Owns `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` for the whole test process: the
/// environment is global, so every test touching it lives here, one at a time.
@Suite(.serialized)
struct SystemdNotifierTests {
    /// Points `NOTIFY_SOCKET` at a fresh listener for the duration of `body`.
    private func withNotifySocket(_ body: (SystemdNotifier, NotifySocketListener) throws -> Void) throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        try body(SystemdNotifier(), listener)
    }

    @Test func readySendsReadyAndStatus() throws {
        try withNotifySocket { notifier, listener in
            #expect(notifier.isEnabled)
            #expect(notifier.ready(status: "3 plugins loaded") == .sent)
            #expect(listener.receive() == "READY=1\nSTATUS=3 plugins loaded")

            #expect(notifier.ready() == .sent)
            #expect(listener.receive() == "READY=1")
        }
    }

    @Test func statusIsForcedOntoOneLine() throws {
        try withNotifySocket { notifier, listener in
            #expect(notifier.status("bus up\nstorage: sqlite\r\nhttp :9464") == .sent)
            #expect(listener.receive() == "STATUS=bus up storage: sqlite http :9464")
        }
    }

    @Test func watchdogAndStopping() throws {
        try withNotifySocket { notifier, listener in
            #expect(notifier.watchdog() == .sent)
            #expect(listener.receive() == "WATCHDOG=1")
            #expect(notifier.stopping() == .sent)
            #expect(listener.receive() == "STOPPING=1")
            #expect(notifier.stopping(status: "draining outbox") == .sent)
            #expect(listener.receive() == "STOPPING=1\nSTATUS=draining outbox")
        }
    }

    @Test func reloadingCarriesMonotonicTimestamp() throws {
        try withNotifySocket { notifier, listener in
            #expect(notifier.reloading() == .sent)
            let now = monotonicMicroseconds()
            let datagram = try #require(listener.receive())
            let lines = datagram.split(separator: "\n", omittingEmptySubsequences: false)
            try #require(lines.count == 2, "got \(datagram.debugDescription)")
            #expect(lines[0] == "RELOADING=1")
            #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
            let sent = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
            #expect(sent <= now)
            #expect(now - sent < 5_000_000, "MONOTONIC_USEC \(sent) is far from now \(now)")
        }
    }

    @Test func environmentSurvivesNotification() throws {
        try withNotifySocket { notifier, listener in
            _ = notifier.ready()
            _ = listener.receive()
            #expect(getenv("NOTIFY_SOCKET") != nil)
            #expect(notifier.watchdog() == .sent)
            #expect(listener.receive() == "WATCHDOG=1")
        }
    }

    @Test func withoutNotifySocketNothingIsSent() {
        unsetenv("NOTIFY_SOCKET")
        let notifier = SystemdNotifier()
        #expect(!notifier.isEnabled)
        #expect(notifier.ready(status: "x") == .notSupervised)
        #expect(notifier.watchdog() == .notSupervised)
    }

    @Test func missingSocketIsReportedAsFailure() {
        setenv("NOTIFY_SOCKET", "/nonexistent-nazar-test/notify.sock", 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(SystemdNotifier().watchdog() == .failed(errno: ENOENT))
    }

    @Test func watchdogIntervalFollowsEnvironment() {
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(SystemdNotifier().watchdogInterval == nil)

        setenv("WATCHDOG_USEC", "2000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        #expect(SystemdNotifier().watchdogInterval == .seconds(2))
        // Read again: the environment must not have been consumed.
        #expect(SystemdNotifier().watchdogInterval == .seconds(2))

        setenv("WATCHDOG_PID", String(getpid() + 1), 1)
        #expect(SystemdNotifier().watchdogInterval == nil)
    }

    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
