import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler that sends each record to systemd-journald as a structured entry, so
/// `journalctl -u nazar NAZAR_PLUGIN=detector-ewma` finds it.
///
/// Each entry carries `MESSAGE=`, `PRIORITY=` (syslog number: trace/debug 7, info 6, notice 5,
/// warning 4, error 3, critical 2), `SYSLOG_IDENTIFIER=`, `CODE_FILE=`, `CODE_LINE=`,
/// `CODE_FUNC=`, `NAZAR_LOGGER=` (the logger's label) and one field per metadata leaf (handler,
/// provider, then per-call metadata; later wins). Metadata keys become field names through
/// ``JournalFieldName/sanitize(_:)`` (`nazar_plugin` → `NAZAR_PLUGIN`); nested dictionaries join
/// their keys with `_` (`alert.rule` → `ALERT_RULE`), array elements become repeated values of one
/// field. A key that would collide with one of the fields above is prefixed `NAZAR_`. Values may
/// span lines.
///
/// Threading: a value type, safe to copy and use from any thread; each record is one
/// `sd_journal_sendv` call. If journald refuses the entry (not running, socket gone) the record
/// is written to standard error as logfmt instead of being lost.
public struct JournalLogHandler: LogHandler {
    /// The fields this handler sets itself; metadata may not shadow them.
    static let ownFields: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "NAZAR_LOGGER",
    ]

    /// The swift-log label of the logger this handler serves, sent as `NAZAR_LOGGER=`.
    public let label: String
    /// Sent as `SYSLOG_IDENTIFIER=` (what `journalctl -t` matches).
    public let syslogIdentifier: String

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: the logger's label, sent as `NAZAR_LOGGER=`.
    ///   - syslogIdentifier: sent as `SYSLOG_IDENTIFIER=`; `nazard` by default.
    ///   - logLevel: the least severe level emitted.
    ///   - metadataProvider: contextual metadata added to every record.
    public init(
        label: String,
        syslogIdentifier: String = "nazard",
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.syslogIdentifier = syslogIdentifier
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority journald expects in `PRIORITY=`.
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        let merged = FlatMetadata.merge(
            handler: metadata, provider: metadataProvider, call: event.metadata, error: event.error)
        let fields = FlatMetadata.flatten(merged)
        let message = event.message.description
        let entry = Self.entry(
            message: message, level: event.level, syslogIdentifier: syslogIdentifier, label: label,
            file: event.file, function: event.function, line: event.line, fields: fields)
        if entry.send() != 0 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let line = LogfmtFormatter.line(time: now, level: event.level, message: message, fields: fields)
            LogfmtLogHandler.writeLine(line, to: STDERR_FILENO)
        }
    }

    /// Builds the journal entry for one record (separate from sending so it can be inspected).
    static func entry(
        message: String,
        level: Logger.Level,
        syslogIdentifier: String,
        label: String,
        file: String,
        function: String,
        line: UInt,
        fields: [FlatMetadataField]
    ) -> JournalEntry {
        var entry = JournalEntry()
        entry.append("MESSAGE", message)
        entry.append("PRIORITY", String(syslogPriority(level)))
        entry.append("SYSLOG_IDENTIFIER", syslogIdentifier)
        entry.append("CODE_FILE", file)
        entry.append("CODE_LINE", String(line))
        entry.append("CODE_FUNC", function)
        entry.append("NAZAR_LOGGER", label)
        for field in fields {
            for value in field.values {
                entry.append(fieldName(field.path), value)
            }
        }
        return entry
    }

    /// The journal field name for a metadata path, never one of ``ownFields``.
    static func fieldName(_ path: [String]) -> String {
        let name = JournalFieldName.sanitize(path.joined(separator: "_"))
        guard ownFields.contains(name) else { return name }
        return JournalFieldName.sanitize(JournalFieldName.safePrefix + name)
    }
}
