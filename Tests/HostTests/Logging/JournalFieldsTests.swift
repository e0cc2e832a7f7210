import Logging
import Testing

@testable import Host

struct JournalFieldNameTests {
    @Test(arguments: [
        ("nazar_plugin", "NAZAR_PLUGIN"),
        ("NAZAR_EVENT", "NAZAR_EVENT"),
        ("http.status", "HTTP_STATUS"),
        ("bus-queue depth", "BUS_QUEUE_DEPTH"),
        ("größe", "GR__E"),
        ("1st", "NAZAR_1ST"),
        ("_private", "NAZAR__PRIVATE"),
        ("", "NAZAR_UNNAMED"),
    ])
    func sanitizes(key: String, expected: String) {
        #expect(JournalFieldName.sanitize(key) == expected)
    }

    @Test func cutsAtSixtyFourCharacters() {
        let long = String(repeating: "a", count: 100)
        #expect(JournalFieldName.sanitize(long) == String(repeating: "A", count: 64))
        let prefixed = JournalFieldName.sanitize("9" + long)
        #expect(prefixed.count == 64)
        #expect(prefixed.hasPrefix("NAZAR_9AAA"))
    }

    @Test func resultIsAlwaysAValidJournalName() {
        for key in ["", "_", "9", "a b", "ÄÖÜ", "x=y", String(repeating: "é", count: 80), "\n"] {
            let name = JournalFieldName.sanitize(key)
            #expect((1...64).contains(name.count))
            #expect(name.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
            #expect(name.first.map { $0 != "_" && !$0.isNumber } == true)
        }
    }
}

struct JournalLogHandlerFieldsTests {
    private func fields(
        _ message: String, level: Logger.Level = .info, metadata: Logger.Metadata
    ) -> [String] {
        JournalLogHandler.entry(
            message: message, level: level, syslogIdentifier: "nazard", label: "nazar.test",
            file: "Host/Plugins/Loader.swift", function: "load(_:)", line: 42,
            fields: FlatMetadata.flatten(metadata)
        ).fields
    }

    @Test func standardAndMetadataFields() {
        let result = fields(
            "plugin refused", level: .warning,
            metadata: ["nazar_plugin": "detector-ewma", "nazar_event": "plugin_refused"])
        #expect(
            result == [
                "MESSAGE=plugin refused", "PRIORITY=4", "SYSLOG_IDENTIFIER=nazard",
                "CODE_FILE=Host/Plugins/Loader.swift", "CODE_LINE=42", "CODE_FUNC=load(_:)",
                "NAZAR_LOGGER=nazar.test", "NAZAR_EVENT=plugin_refused", "NAZAR_PLUGIN=detector-ewma",
            ])
    }

    @Test func priorities() {
        let expected: [Logger.Level: Int] = [
            .trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2,
        ]
        for (level, priority) in expected {
            #expect(JournalLogHandler.syslogPriority(level) == priority)
        }
    }

    @Test func nestedMetadataFlattens() {
        let result = fields(
            "m",
            metadata: [
                "alert": ["rule": "cpu-high", "labels": ["host": "web1"]],
                "channels": ["slack", "smtp"],
                "detail": "line one\nline two",
            ])
        #expect(
            Array(result.dropFirst(7)) == [
                "ALERT_LABELS_HOST=web1", "ALERT_RULE=cpu-high", "CHANNELS=slack", "CHANNELS=smtp",
                "DETAIL=line one\nline two",
            ])
    }

    @Test func metadataCannotShadowOwnFields() {
        let result = fields("real", metadata: ["message": "fake", "priority": "0"])
        #expect(result.filter { $0.hasPrefix("MESSAGE=") } == ["MESSAGE=real"])
        #expect(result.contains("NAZAR_MESSAGE=fake"))
        #expect(result.contains("NAZAR_PRIORITY=0"))
    }

    @Test func arraysOfDictionariesMergeByPath() {
        let flat = FlatMetadata.flatten(["hosts": [["name": "a"], ["name": "b", "port": "1"]], "none": []])
        #expect(
            flat == [
                FlatMetadataField(path: ["hosts", "name"], values: ["a", "b"]),
                FlatMetadataField(path: ["hosts", "port"], values: ["1"]),
                FlatMetadataField(path: ["none"], values: [""]),
            ])
    }

    @Test func eventErrorBecomesErrorField() {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let merged = FlatMetadata.merge(handler: [:], provider: nil, call: ["a": "1"], error: Boom())
        #expect(merged["error"] == "boom")
        let kept = FlatMetadata.merge(handler: [:], provider: nil, call: ["error": "mine"], error: Boom())
        #expect(kept["error"] == "mine")
    }
}
