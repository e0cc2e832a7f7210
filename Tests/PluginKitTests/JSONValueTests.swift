import Testing
import PluginKit

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONValue.parse(#"{"a":1,"b":[true,false,null],"c":{"d":"x\"y\\z\n\u00e9\ud83d\ude00"},"e":-1.5e3}"#)
        #expect(v["a"] == .number(1))
        #expect(v["b"] == .array([.bool(true), .bool(false), .null]))
        #expect(v["c"]?["d"] == .string("x\"y\\z\né😀"))
        #expect(v["e"] == .number(-1500))
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        (#"{"a" 1}"#, "expected ':'"),
        ("[1,]", "unexpected character"),
        ("01", "trailing characters"),
        ("1.", "expected a digit after '.'"),
        (#""\ud800""#, "lone surrogate"),
        ("\"a\u{1}\"", "control character in string"),
        ("tru", "invalid literal"),
        (#""abc"#, "unterminated string"),
    ])
    func refusesMalformedTextWithAReason(text: String, reason: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.reason == reason, "\(text)")
        }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
    }
}

@Suite struct PluginConfigTests {
    @Test func typedAccessorsNameTheKeyOnError() throws {
        let c = try PluginConfig(json: #"{"port":25,"host":"mx","tls":true,"ratio":0.5,"to":["a","b"],"smtp":{"timeout":"1.5s"},"bad":[1]}"#)
        #expect(try c.int("port", default: 0) == 25)
        #expect(try c.string("host") == "mx")
        #expect(try c.bool("tls", default: false))
        #expect(try c.double("ratio") == 0.5)
        #expect(try c.strings("to") == ["a", "b"])
        #expect(try c.duration("smtp.timeout") == .milliseconds(1500))
        #expect(try c.int("missing", default: 7) == 7)
        #expect(throws: PluginError.self) { try c.int("ratio") }
        do { _ = try c.string("port") } catch { #expect(error.message == "config key 'port': expected a string, got number") }
        do { _ = try c.strings("bad") } catch { #expect(error.message == "config key 'bad[0]': expected a string, got number") }
        do { _ = try c.int("port", default: 0, range: 1...10) } catch { #expect(error.message == "config key 'port': 25 is outside 1...10") }
        do { try c.rejectUnknownKeys(allowed: ["port", "host"]) } catch {
            #expect(error.message.hasPrefix("config key 'tls': unknown key (known keys: host, port)"))
        }
    }

    @Test func refusesConfigThatIsNotATable() {
        #expect(throws: PluginError.self) { try PluginConfig(json: "[1]") }
        #expect(throws: PluginError.self) { try PluginConfig(json: "{") }
        #expect(throws: Never.self) { try PluginConfig(json: "") }
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("1h30m", .seconds(5400)),
        ("0.3s", .milliseconds(300)), ("7d", .seconds(604_800)), ("250us", .microseconds(250)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "10", "s", "1x", "1.2.3s", "-1s", "99999999999999999999s"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
