import Testing
@testable import Host

extension Config {
    @Suite("TOMLKeyLocator")
    struct TOMLKeyLocatorTests {
        static let document = #"""
            # leading comment
            title = "x"  # trailing [not.a.table]

            [daemon]
            hostname = "h"
              state_directory   =   '/var'
            [ "quoted table" . 'inner' ]
            "key.with.dots" = 1
            'literal key' = 2
            "esc\u0041ped" = 3
            [bus]
            notes = """
            fake = "this is inside a string"
            [also.fake]
            ends with quotes "" """"
            overflow = "block"
            lit = '''
            [nope]
            '''
            a.b . c = true
            multi = [
              1,
              # comment = 5
              [2, 3],
              { x = 1, y.z = 2 },
            ]
            inline = { p = 1, q = { r = "}" } }
            when = 1979-05-27 07:32:00Z
            after_date = 1

            [[servers]]
            host = "a"
            [servers.tls]
            cert = "c"
            [[servers]]
            host = "b"
            [[servers.ports]]
            n = 1
            [[servers.ports]]
            n = 2

            [config]
            x = 1
            [config.deep.er]
            y = 2
            [config.deep]
            z = 3
            """#

        let locator = TOMLKeyLocator(text: TOMLKeyLocatorTests.document)

        func line(_ elements: TOMLPathElement...) -> Int? { locator.exactLine(of: TOMLPath(elements)) }

        @Test func plainKeysAndTables() {
            #expect(line(.key("title")) == 2)
            #expect(line(.key("daemon")) == 4)
            #expect(line(.key("daemon"), .key("hostname")) == 5)
            #expect(line(.key("daemon"), .key("state_directory")) == 6)
            #expect(line(.key("not")) == nil)
        }

        @Test func quotedKeysAndHeaders() {
            #expect(line(.key("quoted table")) == 7)
            #expect(line(.key("quoted table"), .key("inner")) == 7)
            #expect(line(.key("quoted table"), .key("inner"), .key("key.with.dots")) == 8)
            #expect(line(.key("quoted table"), .key("inner"), .key("literal key")) == 9)
            #expect(line(.key("quoted table"), .key("inner"), .key("escAped")) == 10)
        }

        @Test func multilineStringsHideTheirContent() {
            #expect(line(.key("bus"), .key("notes")) == 12)
            #expect(line(.key("bus"), .key("fake")) == nil)
            #expect(line(.key("also")) == nil)
            #expect(line(.key("bus"), .key("overflow")) == 16)
            #expect(line(.key("bus"), .key("lit")) == 17)
            #expect(line(.key("nope")) == nil)
        }

        @Test func dottedKeysRecordEveryLevel() {
            #expect(line(.key("bus"), .key("a")) == 20)
            #expect(line(.key("bus"), .key("a"), .key("b"), .key("c")) == 20)
        }

        @Test func arraysAndInlineTables() {
            #expect(line(.key("bus"), .key("multi")) == 21)
            #expect(line(.key("bus"), .key("multi"), .index(0)) == 22)
            #expect(line(.key("bus"), .key("multi"), .index(1)) == 24)
            #expect(line(.key("bus"), .key("multi"), .index(1), .index(1)) == 24)
            #expect(line(.key("bus"), .key("multi"), .index(2), .key("y"), .key("z")) == 25)
            #expect(line(.key("bus"), .key("multi"), .index(3)) == nil)
            #expect(line(.key("bus"), .key("inline"), .key("q"), .key("r")) == 27)
            #expect(line(.key("bus"), .key("when")) == 28)
            #expect(line(.key("bus"), .key("after_date")) == 29)
        }

        @Test func arraysOfTablesAreIndexed() {
            #expect(line(.key("servers")) == 31)
            #expect(line(.key("servers"), .index(0), .key("host")) == 32)
            #expect(line(.key("servers"), .index(0), .key("tls"), .key("cert")) == 34)
            #expect(line(.key("servers"), .index(1)) == 35)
            #expect(line(.key("servers"), .index(1), .key("host")) == 36)
            #expect(line(.key("servers"), .index(1), .key("ports"), .index(0), .key("n")) == 38)
            #expect(line(.key("servers"), .index(1), .key("ports"), .index(1), .key("n")) == 40)
        }

        @Test func aLaterHeaderWinsOverAnImplicitMention() {
            #expect(line(.key("config"), .key("x")) == 43)
            #expect(line(.key("config"), .key("deep")) == 46)
            #expect(line(.key("config"), .key("deep"), .key("er"), .key("y")) == 45)
            #expect(line(.key("config"), .key("deep"), .key("z")) == 47)
        }

        @Test func unknownPathsFallBackToTheNearestAncestor() {
            #expect(locator.line(of: TOMLPath([.key("bus"), .key("multi"), .index(1), .index(0)])) == 24)
            #expect(locator.line(of: TOMLPath(keys: "daemon", "nothing")) == 4)
            #expect(locator.line(of: TOMLPath(keys: "nothing")) == nil)
        }

        @Test func crlfLineEndings() {
            let crlf = TOMLKeyLocator(text: "a = 1\r\n[t]\r\nb = \"x\"\r\n")
            #expect(crlf.exactLine(of: TOMLPath(keys: "a")) == 1)
            #expect(crlf.exactLine(of: TOMLPath(keys: "t", "b")) == 3)
        }

        @Test func garbageNeverHangsOrCrashes() {
            for text in ["[", "[[", "a =", "= = =", "\"unterminated", "a = [1, {", "a = '''", "a = \"\"\"\\",
                         "]]]]", "{}{}", "a.b.=", "x = { = }", "\u{0}\u{1}", "[a.\"b]", "k = [,,,]"] {
                let locator = TOMLKeyLocator(text: text)
                _ = locator.line(of: TOMLPath(keys: "a"))
            }
            #expect(TOMLKeyLocator(text: "a = [1, {").exactLine(of: TOMLPath(keys: "a")) == 1)
        }

        @Test func dottedDescriptions() {
            #expect(TOMLPath(keys: "bus", "queue_capacity").description == "bus.queue_capacity")
            #expect(TOMLPath([.key("config"), .key("servers"), .index(2), .key("port")]).description == "config.servers[2].port")
            #expect(TOMLPath(keys: "config", "a.b", "c d").description == #"config."a.b"."c d""#)
        }

        @Test func locatorAgreesWithTheParserOnEveryKeyOfTheDocument() throws {
            // Every value the parser read must be findable exactly, except elements of arrays
            // (which fall back to their array).
            let root = try TOMLDocument.parse(TOMLKeyLocatorTests.document)
            var missing: [String] = []
            func visit(_ node: TOMLNode, _ path: TOMLPath) {
                if locator.exactLine(of: path) == nil { missing.append(path.description) }
                switch node {
                case let .table(members):
                    for (key, value) in members { visit(value, path.appending(key)) }
                case let .array(items):
                    for (i, item) in items.enumerated() { visit(item, path.appending(index: i)) }
                default: break
                }
            }
            for (key, value) in root { visit(value, TOMLPath(keys: key)) }
            #expect(missing.isEmpty, "no line for: \(missing.sorted())")
        }
    }
}
