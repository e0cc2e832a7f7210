import IngestFormat
import Testing

@Suite struct LineProtocolTests {
    @Test func fieldsBecomePointsNamedMeasurementDotField() {
        let (sink, result) = parseLines("cpu,host=web1,cpu=cpu0 usage_user=1.5,usage_system=2i 1700000000000000000\n")
        #expect(result.accepted == 2 && result.points == 2 && result.refusals.isEmpty)
        #expect(sink.points == [
            RecordedPoint(name: "cpu.usage_user", labels: ["host": "web1", "cpu": "cpu0"], value: 1.5, timestamp: 1_700_000_000_000_000_000, index: 0, line: 1),
            RecordedPoint(name: "cpu.usage_system", labels: ["host": "web1", "cpu": "cpu0"], value: 2, timestamp: 1_700_000_000_000_000_000, index: 1, line: 1),
        ])
    }

    @Test func noTimestampAndNoTags() {
        let (sink, result) = parseLines("load v=0.5")
        #expect(result.accepted == 1)
        #expect(sink.points.first?.timestamp == nil)
        #expect(sink.points.first?.labels == [:])
    }

    @Test(arguments: [(TimePrecision.s, Int64(1_700_000_000_000_000_000)), (.ms, 1_700_000_000_000_000), (.us, 1_700_000_000_000), (.ns, 1_700_000_000)])
    func precisionScalesTimestamps(precision: TimePrecision, expected: Int64) {
        let (sink, _) = parseLines("m v=1 1700000000", precision: precision)
        #expect(sink.points.first?.timestamp == expected)
    }

    @Test func timestampOverflowAfterScalingIsRefused() {
        let (_, result) = parseLines("m v=1 9223372036854775807", precision: .s)
        #expect(result.accepted == 0)
        #expect(result.refusals.first?.reason.contains("out of range") == true)
    }

    @Test func escapesInMeasurementTagsAndFieldKeys() {
        let text = #"my\ meas\,ure,tag\ key=va\,l\=ue\ x,k2=a\\b field\=k\ ey=1,plain=2"#
        let (sink, result) = parseLines(text)
        #expect(result.accepted == 2)
        #expect(sink.points.map(\.name) == [#"my meas,ure.field=k ey"#, "my meas,ure.plain"])
        #expect(sink.points.first?.labels == ["tag key": "va,l=ue x", "k2": #"a\b"#])
    }

    @Test func aBackslashBeforeAnOrdinaryCharacterIsLiteral() {
        let (sink, _) = parseLines(#"m,path=C:\dir v=1"#)
        #expect(sink.points.first?.labels["path"] == #"C:\dir"#)
    }

    @Test func equalsSignInAMeasurementIsLiteral() {
        let (sink, _) = parseLines("a=b v=1")
        #expect(sink.points.first?.name == "a=b.v")
    }

    @Test(arguments: [("t", 1.0), ("T", 1.0), ("true", 1.0), ("True", 1.0), ("TRUE", 1.0),
                      ("f", 0.0), ("F", 0.0), ("false", 0.0), ("False", 0.0), ("FALSE", 0.0)])
    func booleansAreOneAndZero(text: String, value: Double) {
        let (sink, result) = parseLines("m b=\(text)")
        #expect(result.accepted == 1)
        #expect(sink.points.first?.value == value)
    }

    @Test func integersSignedAndUnsigned() {
        let (sink, result) = parseLines("m a=-9223372036854775808i,b=18446744073709551615u,c=+5i")
        #expect(result.accepted == 3)
        #expect(sink.points.map(\.value) == [-0x1p63, 0x1p64, 5])
    }

    @Test func integerOutOfRangeIsRefusedForThatFieldOnly() {
        let (sink, result) = parseLines("m a=9223372036854775808i,b=1,c=-1u")
        #expect(sink.points.map(\.name) == ["m.b"])
        #expect(result.refusals.map(\.index) == [0, 2])
        #expect(result.refusals[0].reason == "field 'a': integer 9223372036854775808i is out of the 64-bit range")
        #expect(result.refusals[1].reason == "field 'c': '-1u' is not an unsigned integer")
    }

    @Test func stringFieldsAreRefusedWithAReasonAndTheOtherFieldsKept() {
        let (sink, result) = parseLines(#"system,host=a uptime_format="1 day, \"quoted\" 2:03",load1=0.5 1"#)
        #expect(sink.points.map(\.name) == ["system.load1"])
        #expect(result.refusals.count == 1)
        #expect(result.refusals[0].index == 0)
        #expect(result.refusals[0].column == 29)
        #expect(result.refusals[0].reason == "field 'uptime_format': string values are not stored (only numbers)")
    }

    @Test(arguments: ["NaN", "nan", "Inf", "-inf", "+Infinity", "1e400"])
    func nonFiniteValuesAreRefused(text: String) {
        let (_, result) = parseLines("m v=\(text)")
        #expect(result.accepted == 0)
        #expect(result.refusals.first?.reason == "field 'v': value \(text) is not a finite number (NaN and Inf are refused)")
    }

    @Test func numbersAreParsedExactly() {
        let texts = ["0.1", "1e-7", "123456789012345678901234567890", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
                     "0.30000000000000004", "9007199254740993", "-0", ".5", "5.", "1E+2"]
        let (sink, result) = parseLines(texts.enumerated().map { "m f\($0.offset)=\($0.element)" }.joined(separator: "\n"))
        #expect(result.accepted == texts.count)
        #expect(sink.points.map(\.value.bitPattern) == texts.map { Double($0 == ".5" ? "0.5" : $0 == "5." ? "5.0" : $0)!.bitPattern })
    }

    @Test func commentsBlankLinesAndCRLF() {
        let (sink, result) = parseLines("# a comment\r\n\r\nm v=1 5\r\n   \n  m v=2 6\n")
        #expect(result.accepted == 2)
        #expect(sink.points.map(\.line) == [3, 5])
        #expect(sink.points.map(\.timestamp) == [5, 6])
    }

    @Test(arguments: [
        ("m", 2, "missing fields"),
        ("m ", 3, "missing fields"),
        (",t=1 v=1", 1, "missing measurement"),
        ("m,t v=1", 4, "tag 't' has no '=value'"),
        ("m,t= v=1", 5, "tag 't' has an empty value"),
        ("m,=x v=1", 3, "empty tag key"),
        ("m,t=a=b v=1", 6, "unescaped '=' in the value of tag 't'"),
        ("m v", 4, "field 'v' has no '=value'"),
        ("m v=", 5, "field 'v' has an empty value"),
        ("m =1", 3, "empty field key"),
        ("m v=\"abc", 5, "unterminated string value of field 'v'"),
        ("m v=1 12x", 7, "timestamp '12x' is not an integer"),
        ("m v=1 12 13", 10, "unexpected text after the timestamp"),
    ])
    func malformedLinesAreRefusedWithColumnAndReason(line: String, column: Int, reason: String) {
        let (sink, result) = parseLines("ok v=1\n\(line)\nok v=2")
        #expect(sink.points.count == 2, "the good lines around it are kept")
        #expect(result.refusals.count == 1)
        #expect(result.refusals.first == IngestRefusal(index: 1, line: 2, column: column, reason: reason))
    }

    @Test func aMalformedLineCountsEachOfItsFields() {
        let (_, result) = parseLines("m,t v=1,w=2,x=3\nok v=1")
        #expect(result.refusedCount == 3)
        #expect(result.points == 4)
        #expect(result.accepted == 1)
    }

    @Test func nulBytesAreRefused() {
        let (sink, result) = parseLines("m,t=a\u{0}b v=1\nok v=1")
        #expect(sink.points.map(\.name) == ["ok.v"])
        #expect(result.refusals.first?.reason == "NUL byte in the line")
        #expect(result.refusals.first?.column == 6)
    }

    @Test func sinkRefusalsAreRecordedWithTheirIndex() {
        var sink = RecordingSink()
        sink.refuse = { $0.name == "m.b" ? "no b" : nil }
        let bytes = Array("m a=1,b=2,c=3".utf8)
        let result = bytes.withUnsafeBytes { LineProtocolParser().parse($0, into: &sink) }
        #expect(result.accepted == 2)
        #expect(result.refusals == [IngestRefusal(index: 1, line: 1, column: 1, reason: "no b")])
    }

    @Test func refusalListIsBoundedButAllAreCounted() {
        let text = String(repeating: "bad\n", count: 500)
        let (_, result) = parseLines(text)
        #expect(result.refusedCount == 500)
        #expect(result.refusals.count == IngestResult.refusalListLimit)
    }
}
