import PluginKit
import Testing
@testable import Host

extension Config {
    @Suite("TOML to canonical JSON")
    struct TOMLToJSONTests {
        func json(_ toml: String) throws -> String {
            let root = try TOMLDocument.parse(toml)
            return try TOMLToJSON.encode(.table(root), at: TOMLPath())
        }

        @Test func scalarsAndNesting() throws {
            let text = try json("""
                s = "hi"
                i = -42
                big = 9223372036854775807
                f = 2.5
                e = 1e300
                small = 5e-324
                neg0 = -0.0
                t = true
                n = false
                arr = [1, "two", [3.0], {k = "v"}]
                empty = []
                [tab]
                inner = {}
                """)
            #expect(text == #"{"arr":[1,"two",[3.0],{"k":"v"}],"big":9223372036854775807,"e":1e+300,"empty":[],"f":2.5,"i":-42,"n":false,"neg0":-0.0,"s":"hi","small":5e-324,"t":true,"tab":{"inner":{}}}"#)
        }

        @Test func keyOrderDoesNotMatter() throws {
            let a = try json("""
                z = 1
                a = { y = [1, 2], b = "x" }
                [m]
                q = 1
                p = 2
                """)
            let c = try json("""
                z = 1
                [m]
                p = 2
                q = 1
                [a]
                b = "x"
                y = [1, 2]
                """)
            #expect(a == c)
            #expect(a == #"{"a":{"b":"x","y":[1,2]},"m":{"p":2,"q":1},"z":1}"#)
        }

        @Test func arrayOrderMatters() throws {
            #expect(try json("a = [1, 2]") != json("a = [2, 1]"))
        }

        @Test func keysSortByBytes() throws {
            #expect(try json(#"b = 1"# + "\n" + #"B = 2"# + "\n" + #""é" = 3"# + "\n" + #""a" = 4"#)
                == #"{"B":2,"a":4,"b":1,"é":3}"#)
        }

        @Test func stringEscaping() throws {
            let text = try json(#"""
                s = "quote\" backslash\\ tab\t nl\n cr\r bs\b ff\f ctl\u0001\u001f del\u007f é ✓ 😀 \u2028"
                lit = 'C:\path'
                "k\"ey" = 1
                """#)
            #expect(text == #"{"k\"ey":1,"lit":"C:\\path","s":"quote\" backslash\\ tab\t nl\n cr\r bs\b ff\f ctl\u0001\u001f del\u007f é ✓ 😀 "# + "\u{2028}" + #""}"#)
            // What plugins get back is exactly what the admin wrote.
            let parsed = try JSONValue.parse(text)
            #expect(parsed["s"] == .string("quote\" backslash\\ tab\t nl\n cr\r bs\u{8} ff\u{c} ctl\u{1}\u{1f} del\u{7f} é ✓ 😀 \u{2028}"))
            #expect(parsed["lit"] == .string(#"C:\path"#))
            #expect(parsed["k\"ey"] == .number(1))
        }

        @Test func datesAndTimesBecomeISO8601Strings() throws {
            let text = try json("""
                odt = 1979-05-27T07:32:00Z
                offset = 1979-05-27T00:32:00.999999-07:30
                ldt = 1979-05-27T07:32:00
                ld = 1979-05-27
                lt = 00:32:00.5
                space = 1979-05-27 07:32:00+01:00
                """)
            #expect(text == #"{"ld":"1979-05-27","ldt":"1979-05-27T07:32:00","lt":"00:32:00.5","odt":"1979-05-27T07:32:00Z","offset":"1979-05-27T00:32:00.999999-07:30","space":"1979-05-27T07:32:00+01:00"}"#)
        }

        @Test func arraysOfTables() throws {
            let text = try json("""
                [[servers]]
                host = "a"
                port = 1
                [[servers]]
                port = 2
                host = "b"
                """)
            #expect(text == #"{"servers":[{"host":"a","port":1},{"host":"b","port":2}]}"#)
        }

        @Test(arguments: ["inf", "+inf", "-inf", "nan", "-nan"])
        func nonFiniteFloatsAreRefusedWithTheirPath(_ word: String) throws {
            let root = try TOMLDocument.parse("[[s]]\n[[s]]\nw = [1.0, \(word)]\n")
            #expect(throws: TOMLToJSONError.self) { try TOMLToJSON.encode(.table(root), at: TOMLPath(keys: "config")) }
            do {
                _ = try TOMLToJSON.encode(.table(root), at: TOMLPath(keys: "config"))
            } catch {
                #expect(error.path.description == "config.s[1].w[1]")
                #expect(error.message.hasSuffix("cannot be passed to the plugin: JSON has no infinity or NaN"))
            }
        }

        @Test func nestingDeeperThanPluginKitParsesIsRefused() throws {
            func nested(_ depth: Int) -> TOMLNode {
                var node = TOMLNode.integer(1)
                for _ in 0..<depth { node = .array([node]) }
                return .table(["a": node])
            }
            let ok = try TOMLToJSON.encode(nested(TOMLToJSON.maximumDepth - 1), at: TOMLPath())
            #expect(throws: Never.self) { try JSONValue.parse(ok) }
            #expect(throws: TOMLToJSONError.self) { try TOMLToJSON.encode(nested(TOMLToJSON.maximumDepth), at: TOMLPath()) }
        }

        @Test func roundTripsThroughPluginKit() throws {
            let text = try json("""
                name = "x"
                n = 3
                ratio = 0.1
                list = ["a", "b"]
                [smtp]
                port = 587
                tls = true
                """)
            let config = try PluginConfig(json: text)
            #expect(try config.string("name") == "x")
            #expect(try config.int("n") == 3)
            #expect(try config.double("ratio") == 0.1)
            #expect(try config.strings("list") == ["a", "b"])
            #expect(try config.int("smtp.port") == 587)
            #expect(try config.bool("smtp.tls", default: false))
        }

        @Test func reorderedPluginsDotDFilesGiveEqualConfigJSON() throws {
            let fx = try ConfigFixture()
            try fx.writeMain()
            try fx.writePlugin("a.toml", """
                plugin = "notifier-smtp"
                [config]
                to = ["ops@example.com"]
                [config.smtp]
                host = "mx"
                port = 25
                """)
            try fx.writePlugin("b.toml", """
                plugin = "notifier-smtp"
                [config.smtp]
                port = 25
                host = "mx"

                [config]
                to = [ "ops@example.com" ]
                """)
            let instances = try fx.load().instances
            #expect(instances.count == 2)
            #expect(instances[0].configJSON == instances[1].configJSON)
            #expect(instances[0].configJSON == #"{"smtp":{"host":"mx","port":25},"to":["ops@example.com"]}"#)
        }
    }
}
