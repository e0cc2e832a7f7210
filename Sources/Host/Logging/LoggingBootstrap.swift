import Logging
import Synchronization

/// Installs nazard's log handler as swift-log's global factory, once.
public enum LoggingBootstrap {
    /// Whether ``bootstrap(destination:level:syslogIdentifier:metadataProvider:)`` already ran;
    /// swift-log traps on a second `LoggingSystem.bootstrap`.
    private static let bootstrapped = Mutex(false)

    /// Makes every `Logger` created from now on log to `destination` at `level` and above.
    ///
    /// Only the first call in a process has an effect; later calls return `false` and change
    /// nothing (swift-log would crash on a second bootstrap). Thread-safe.
    ///
    /// - Parameters:
    ///   - destination: journal or stderr; see ``LogTarget/detect(configured:)``.
    ///   - level: the least severe level emitted.
    ///   - syslogIdentifier: the journal's `SYSLOG_IDENTIFIER=`.
    ///   - metadataProvider: contextual metadata added to every record.
    /// - Returns: `true` if this call installed the handlers.
    @discardableResult
    public static func bootstrap(
        destination: LogDestination,
        level: Logger.Level,
        syslogIdentifier: String = "nazard",
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> Bool {
        bootstrapped.withLock { done in
            guard !done else { return false }
            done = true
            LoggingSystem.bootstrap({ label, provider in
                makeHandler(
                    destination: destination, label: label, level: level,
                    syslogIdentifier: syslogIdentifier, metadataProvider: provider)
            }, metadataProvider: metadataProvider)
            return true
        }
    }

    /// Makes one handler for `destination` without touching the global logging system, e.g.
    /// `Logger(label: "test") { LoggingBootstrap.makeHandler(destination: .journal, label: $0, level: .debug) }`.
    public static func makeHandler(
        destination: LogDestination,
        label: String,
        level: Logger.Level,
        syslogIdentifier: String = "nazard",
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> any LogHandler {
        switch destination {
        case .journal:
            JournalLogHandler(
                label: label, syslogIdentifier: syslogIdentifier, logLevel: level,
                metadataProvider: metadataProvider)
        case .stderr:
            LogfmtLogHandler(label: label, logLevel: level, metadataProvider: metadataProvider)
        }
    }
}
