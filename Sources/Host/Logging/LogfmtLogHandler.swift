import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler that writes one logfmt line per record, for nazard outside systemd:
/// `ts=2026-11-23T11:40:00.123Z level=info msg="plugin loaded" nazar_plugin=collector-system`.
///
/// Metadata (handler, provider, then per-call; later wins) follows `msg`, sorted by key; nested
/// dictionaries become dotted keys and arrays comma-joined values. An event's `error` appears as
/// `error=` unless the metadata has that key.
///
/// Threading: a value type, safe to copy and use from any thread. Each line reaches a file
/// descriptor in a single `write(2)` (retried only for the rest of a partial write), so lines
/// from concurrent loggers do not interleave. Write errors are ignored: there is nowhere left to
/// report them.
public struct LogfmtLogHandler: LogHandler {
    /// Where lines go.
    public enum Output: Sendable {
        /// A file descriptor the handler writes to but does not own or close.
        case fileDescriptor(Int32)
        /// A closure receiving each line without its trailing newline (for tests). It may be
        /// called concurrently from several threads.
        case sink(@Sendable (String) -> Void)

        /// Standard error.
        public static var standardError: Output { .fileDescriptor(STDERR_FILENO) }
    }

    /// The swift-log label of the logger this handler serves.
    public let label: String
    private let output: Output

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: the logger's label (not written; records are identified by their metadata).
    ///   - output: where lines go; standard error by default.
    ///   - logLevel: the least severe level emitted.
    ///   - metadataProvider: contextual metadata added to every record.
    public init(
        label: String,
        output: Output = .standardError,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.output = output
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = FlatMetadata.merge(
            handler: metadata, provider: metadataProvider, call: event.metadata, error: event.error)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = LogfmtFormatter.line(
            time: now, level: event.level, message: event.message.description,
            fields: FlatMetadata.flatten(merged))
        switch output {
        case .sink(let sink):
            sink(line)
        case .fileDescriptor(let descriptor):
            Self.writeLine(line, to: descriptor)
        }
    }

    /// Writes `line` and a newline with one `write(2)`, finishing a partial write if the kernel
    /// made one.
    static func writeLine(_ line: String, to descriptor: Int32) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, base + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
