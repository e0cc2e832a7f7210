import IngestFormat
import Testing

@Suite struct JSONIngestTests {
    @Test func theContractExample() {
        let (sink, result) = parseJSON(#"{"points":[{"metric":"cpu.total","labels":{"host":"web1","core":"0"},"value":12.5,"timestamp":1700000000000000000}]}"#)
        #expect(result.accepted == 1 && result.fatal == nil && result.refusals.isEmpty)
        #expect(sink.points == [RecordedPoint(name: "cpu.total", labels: ["host": "web1", "core": "0"], value: 12.5,
                                              timestamp: 1_700_000_000_000_000_000, index: 0, line: 1)])
    }

    @Test func labelsAndTimestampAreOptionalAndMemberOrderIsFree() {
        let (sink, result) = parseJSON(#" { "points" : [ { "value" : -1.5e3 , "metric" : "m" } , {"timestamp":null,"metric":"n","value":0} ] } "#)
        #expect(result.accepted == 2)
        #expect(sink.points.map(\.value) == [-1500, 0])
        #expect(sink.points.map(\.timestamp) == [nil, nil])
    }

    @Test func emptyBatch() {
        let (_, result) = parseJSON(#"{"points":[]}"#)
        #expect(result.accepted == 0 && result.fatal == nil)
    }

    @Test func stringEscapesAndUnicode() {
        let (sink, result) = parseJSON(#"{"points":[{"metric":"m","labels":{"k":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00x","raw":"é€😀"},"value":1}]}"#)
        #expect(result.accepted == 1)
        #expect(sink.points.first?.labels["k"] == "a\"b\\c/d\u{8}\u{c}\n\r\té€😀x")
        #expect(sink.points.first?.labels["raw"] == "é€😀")
    }

    @Test func numbersAreExact() {
        let texts = ["0", "-0", "0.1", "1e-7", "1E+2", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
                     "123456789012345678901234567890", "9007199254740993", "0.30000000000000004"]
        let body = "{\"points\":[" + texts.map { "{\"metric\":\"m\",\"value\":\($0)}" }.joined(separator: ",") + "]}"
        let (sink, result) = parseJSON(body)
        #expect(result.accepted == texts.count)
        #expect(sink.points.map(\.value.bitPattern) == texts.map { Double($0)!.bitPattern })
    }

    @Test(arguments: [
        (#"{"metric":"m","value":"NaN"}"#, "value must be a number (NaN and Inf are refused)"),
        (#"{"metric":"m","value":1e999}"#, "value 1e999 is not a finite number (NaN and Inf are refused)"),
        (#"{"metric":"m","value":null}"#, "value must be a number (NaN and Inf are refused)"),
        (#"{"metric":"m"}"#, "missing member 'value'"),
        (#"{"value":1}"#, "missing member 'metric'"),
        (#"{"metric":5,"value":1}"#, "metric must be a string"),
        (#"{"metric":"m","value":1,"labels":{"k":1}}"#, "label 'k' must have a string value"),
        (#"{"metric":"m","value":1,"labels":["k"]}"#, "labels must be an object of strings"),
        (#"{"metric":"m","value":1,"timestamp":1.5}"#, "timestamp 1.5 is not an integer number of nanoseconds in the 64-bit range"),
        (#"{"metric":"m","value":1,"timestamp":9223372036854775808}"#, "timestamp 9223372036854775808 is not an integer number of nanoseconds in the 64-bit range"),
        (#"{"metric":"m","value":1,"timestamp":"now"}"#, "timestamp must be an integer (nanoseconds since the epoch)"),
        (#"{"metric":"m","value":1,"extra":{"a":[1,2,{"b":null}]}}"#, "unknown member 'extra' (known: metric, labels, value, timestamp)"),
        (#"{"metric":"m","value":1,"value":2}"#, "member 'value' appears twice"),
        (#"{"metric":"a\u0000b","value":1}"#, "metric contains a NUL character"),
    ])
    func aBadPointIsRefusedAloneAndParsingGoesOn(point: String, reason: String) {
        let body = "{\"points\":[{\"metric\":\"ok\",\"value\":1},\n\(point),\n{\"metric\":\"ok\",\"value\":2}]}"
        let (sink, result) = parseJSON(body)
        #expect(result.fatal == nil)
        #expect(sink.points.map(\.value) == [1, 2])
        #expect(sink.points.map(\.index) == [0, 2])
        #expect(result.refusals == [IngestRefusal(index: 1, line: 2, column: 1, reason: reason)])
    }

    @Test(arguments: [
        ("", 1, 1, "empty body", 0),
        ("[]", 1, 1, "expected a JSON object {\"points\":[…]}", 0),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n  {\"metric\":\"m\",\"value\":01}]}", 2, 25, "malformed number", 1),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n{\"metric\":\"m\" \"value\":1}]}", 2, 15, "expected ',' or '}' in a point", 1),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n{\"metric\":\"m\",\"value\":1}", 2, 25, "unexpected end of input, expected ',' or ']' after a point", 2),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n{\"metric\":\"a\tb\",\"value\":1}]}", 2, 13, "control character in a string (escape it)", 1),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n{\"metric\":\"\\q\",\"value\":1}]}", 2, 12, "invalid escape '\\q'", 1),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n{\"metric\":\"\\ud800x\",\"value\":1}]}", 2, 18, "unpaired UTF-16 surrogate in \\u escape", 1),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1},\n{\"metric\":\"m\",\"value\":tru}]}", 2, 23, "invalid literal", 1),
        ("{\"points\":[{\"metric\":\"ok\",\"value\":1}]} x", 1, 40, "text after the end of the JSON object", 1),
        ("{\"pts\":[]}", 1, 2, "unknown member 'pts' (expected \"points\")", 0),
        ("{}", 1, 1, "missing member \"points\"", 0),
    ])
    func syntaxErrorsStopWithLineColumnAndKeepWhatCameBefore(body: String, line: Int, column: Int, reason: String, delivered: Int) {
        let (sink, result) = parseJSON(body)
        #expect(result.fatal == IngestRefusal(index: result.points, line: line, column: column, reason: reason))
        #expect(sink.points.count == delivered)
        #expect(result.accepted == delivered)
    }

    @Test func deepNestingIsRefusedNotOverflowingTheStack() {
        let deep = String(repeating: "[", count: 10_000)
        let (_, result) = parseJSON("{\"points\":[{\"metric\":\"m\",\"value\":1,\"x\":\(deep)")
        #expect(result.fatal?.reason == "nesting deeper than 64")
    }
}
