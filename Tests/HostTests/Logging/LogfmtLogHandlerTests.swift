import Logging
import Synchronization
import Testing

@testable import Host

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Collects the lines a `LogfmtLogHandler` emits through its sink.
private final class LineRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var recorded: [String] { lines.withLock { $0 } }

    func logger(level: Logger.Level = .trace, provider: Logger.MetadataProvider? = nil) -> Logger {
        Logger(label: "test") { label in
            LogfmtLogHandler(
                label: label, output: .sink { line in self.lines.withLock { $0.append(line) } },
                logLevel: level, metadataProvider: provider)
        }
    }
}

/// The part of a line after `ts=<timestamp> `, which is the only part that varies by time.
private func withoutTimestamp(_ line: String) -> Substring {
    guard line.hasPrefix("ts="), let space = line.firstIndex(of: " ") else { return line[...] }
    return line[line.index(after: space)...]
}

struct LogfmtLogHandlerTests {
    @Test func plainRecord() throws {
        let recorder = LineRecorder()
        recorder.logger().info("plugin loaded", metadata: ["nazar_plugin": "collector-system"])
        let line = try #require(recorder.recorded.first)
        #expect(withoutTimestamp(line) == "level=info msg=\"plugin loaded\" nazar_plugin=collector-system")
    }

    @Test func timestampIsUTCWithMilliseconds() throws {
        let recorder = LineRecorder()
        recorder.logger().notice("x")
        let line = try #require(recorder.recorded.first)
        let stamp = try #require(line.split(separator: " ").first)
        // ts=YYYY-MM-DDTHH:MM:SS.mmmZ
        #expect(stamp.count == "ts=2026-11-23T11:40:00.123Z".count)
        #expect(stamp.hasPrefix("ts=2") && stamp.hasSuffix("Z"))
        #expect(stamp.dropFirst(13).first == "T")
    }

    @Test func formatsAFixedTime() {
        // 2026-11-23T11:40:00Z is 1795434000 s after the epoch.
        let time = timespec(tv_sec: 1_795_434_000, tv_nsec: 123_456_789)
        #expect(LogfmtFormatter.timestamp(time) == "2026-11-23T11:40:00.123Z")
        #expect(LogfmtFormatter.timestamp(timespec(tv_sec: 0, tv_nsec: 5_000_000)) == "1970-01-01T00:00:00.005Z")
    }

    @Test func everyLevelIsNamed() {
        let recorder = LineRecorder()
        let logger = recorder.logger()
        for level in Logger.Level.allCases {
            logger.log(level: level, "m")
        }
        #expect(recorder.recorded.map { withoutTimestamp($0) } == Logger.Level.allCases.map { "level=\($0.rawValue) msg=m" })
    }

    @Test(arguments: [
        ("simple", "simple"),
        ("", "\"\""),
        ("two words", "\"two words\""),
        ("a=b", "\"a=b\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("C:\\path", "\"C:\\\\path\""),
        ("line1\nline2", "\"line1\\nline2\""),
        ("tab\there", "\"tab\\there\""),
        ("bell\u{7}", "\"bell\\u0007\""),
        ("ünïcode-ok", "ünïcode-ok"),
    ])
    func valueQuoting(raw: String, expected: String) {
        #expect(LogfmtFormatter.value(raw) == expected)
    }

    @Test func escapingThroughTheHandler() throws {
        let recorder = LineRecorder()
        recorder.logger().error(
            "failed\nbadly", metadata: ["reason": "quote \" and \\ slash", "empty": "", "eq": "k=v"])
        let line = try #require(recorder.recorded.first)
        #expect(!line.contains("\n"))
        #expect(
            withoutTimestamp(line)
                == #"level=error msg="failed\nbadly" empty="" eq="k=v" reason="quote \" and \\ slash""#)
    }

    @Test func keysAreLowerCasedAndNestedKeysDotted() throws {
        let recorder = LineRecorder()
        recorder.logger().warning(
            "alert",
            metadata: [
                "Nazar_Alert": "cpu-high",
                "labels": ["host": "web1", "Env": "prod"],
                "targets": ["slack", "smtp"],
                "bad key=": "v",
            ])
        let line = try #require(recorder.recorded.first)
        #expect(
            withoutTimestamp(line)
                // Sorted by the original key, so "Nazar_Alert" precedes "bad key=".
                == "level=warning msg=alert nazar_alert=cpu-high bad_key_=v labels.env=prod labels.host=web1 targets=slack,smtp")
    }

    @Test func callMetadataWinsOverProviderOverHandler() throws {
        let recorder = LineRecorder()
        let provider = Logger.MetadataProvider { ["source": "provider", "task": "t1"] }
        var logger = recorder.logger(provider: provider)
        logger[metadataKey: "source"] = "handler"
        logger[metadataKey: "component"] = "bus"
        logger.info("m", metadata: ["source": "call"])
        logger.info("m")
        #expect(
            recorder.recorded.map { withoutTimestamp($0) } == [
                "level=info msg=m component=bus source=call task=t1",
                "level=info msg=m component=bus source=provider task=t1",
            ])
    }

    @Test func levelFilters() {
        let recorder = LineRecorder()
        let logger = recorder.logger(level: .warning)
        logger.info("dropped")
        logger.warning("kept")
        #expect(recorder.recorded.count == 1)
    }

    @Test func writesWholeLinesToADescriptor() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let writer = fds[1]
        let logger = Logger(label: "pipe") { LogfmtLogHandler(label: $0, output: .fileDescriptor(writer)) }
        logger.info("first")
        logger.info("second", metadata: ["n": "2"])
        close(writer)

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)  // two lines, each ending in "\n"
        #expect(lines.last == "")
        #expect(withoutTimestamp(String(lines[0])) == "level=info msg=first")
        #expect(withoutTimestamp(String(lines[1])) == "level=info msg=second n=2")
    }
}
