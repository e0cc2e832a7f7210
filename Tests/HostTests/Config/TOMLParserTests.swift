import Testing
@testable import Host

extension Config {
    /// The TOML 1.0 reader: every value kind, the normalised date/time spellings, and
    /// each refusal with its line and message.
    @Suite("TOML parser")
    struct TOMLParserTests {
        func value(_ toml: String) throws -> TOMLNode? {
            try TOMLDocument.parse("v = " + toml)["v"]
        }

        func error(_ toml: String) -> TOMLSyntaxError? {
            do {
                _ = try TOMLDocument.parse(toml)
                return nil
            } catch {
                return error
            }
        }

        // MARK: Valid documents

        @Test func keysBareQuotedAndDotted() throws {
            let root = try TOMLDocument.parse("""
                bare_key-1 = 1
                "quoted key" = 2
                'literal "key"' = 3
                "" = 4
                a . b."c.d" = 5
                1234 = 6
                "\\u00e9" = 7
                """)
            #expect(root["bare_key-1"] == .integer(1))
            #expect(root["quoted key"] == .integer(2))
            #expect(root["literal \"key\""] == .integer(3))
            #expect(root[""] == .integer(4))
            #expect(root["a"] == .table(["b": .table(["c.d": .integer(5)])]))
            #expect(root["1234"] == .integer(6))
            #expect(root["é"] == .integer(7))
        }

        @Test func commentsAndBlankLinesAndCRLF() throws {
            let root = try TOMLDocument.parse("# top\r\n\r\n  a = 1 # after\r\n\t[t] # header\r\nb = [ # in array\r\n 2, # two\r\n]\r\n")
            #expect(root == ["a": .integer(1), "t": .table(["b": .array([.integer(2)])])])
        }

        @Test func aByteOrderMarkIsSkipped() throws {
            #expect(try TOMLDocument.parse("\u{FEFF}a = 1\n") == ["a": .integer(1)])
        }

        @Test func basicStringEscapes() throws {
            #expect(try value(#""b\b t\t n\n f\f r\r q\" bs\\ u\u00E9 U\U0001F600""#) == .string("b\u{8} t\t n\n f\u{C} r\r q\" bs\\ ué U😀"))
            #expect(try value("\"tab\tinside\"") == .string("tab\tinside"))
            #expect(try value(#"'C:\no\escapes'"#) == .string(#"C:\no\escapes"#))
        }

        @Test func multiLineStrings() throws {
            // The newline right after the opening delimiter is trimmed; CR LF becomes LF.
            #expect(try value("\"\"\"\nline1\r\nline2\"\"\"") == .string("line1\nline2"))
            // A backslash at a line's end swallows the break and the blanks after it.
            #expect(try value("\"\"\"\\\n   The quick \\  \n\n  brown\"\"\"") == .string("The quick brown"))
            // Up to two quotes right before the closing delimiter are content.
            #expect(try value("\"\"\"a \"\" b\"\"\"\"\"") == .string("a \"\" b\"\""))
            #expect(try value("\"\"\"\"\"\"") == .string(""))
            #expect(try value("'''\nC:\\x\n  'quoted'''''") == .string("C:\\x\n  'quoted''"))
            #expect(try value("'''a\\\nb'''") == .string("a\\\nb"))
        }

        @Test func integers() throws {
            #expect(try value("+99") == .integer(99))
            #expect(try value("-17") == .integer(-17))
            #expect(try value("0") == .integer(0))
            #expect(try value("-0") == .integer(0))
            #expect(try value("1_000_000") == .integer(1_000_000))
            #expect(try value("9223372036854775807") == .integer(.max))
            #expect(try value("-9223372036854775808") == .integer(.min))
            #expect(try value("0xDEAD_beef") == .integer(0xDEADBEEF))
            #expect(try value("0x7FFFFFFFFFFFFFFF") == .integer(.max))
            #expect(try value("0o755") == .integer(0o755))
            #expect(try value("0b1101_0110") == .integer(0b1101_0110))
            #expect(try value("0x00ff") == .integer(255))
        }

        @Test func floats() throws {
            #expect(try value("+1.0") == .float(1))
            #expect(try value("3.1415") == .float(3.1415))
            #expect(try value("-0.01") == .float(-0.01))
            #expect(try value("5e+22") == .float(5e22))
            #expect(try value("1e06") == .float(1e6))
            #expect(try value("-2E-2") == .float(-0.02))
            #expect(try value("6.626e-34") == .float(6.626e-34))
            #expect(try value("224_617.445_991_228") == .float(224_617.445_991_228))
            #expect(try value("0e0") == .float(0))
            guard case let .float(negativeZero)? = try value("-0.0") else { Issue.record("not a float"); return }
            #expect(negativeZero == 0 && negativeZero.sign == .minus)
            #expect(try value("inf") == .float(.infinity))
            #expect(try value("+inf") == .float(.infinity))
            #expect(try value("-inf") == .float(-.infinity))
            for nan in ["nan", "+nan", "-nan"] {
                guard case let .float(x)? = try value(nan) else { Issue.record("\(nan)"); continue }
                #expect(x.isNaN, "\(nan)")
            }
        }

        @Test func booleansArraysAndInlineTables() throws {
            #expect(try value("true") == .bool(true))
            #expect(try value("false") == .bool(false))
            #expect(try value("[ 1, 'two', 3.0, [4], { five = 5 }, ]") == .array([
                .integer(1), .string("two"), .float(3), .array([.integer(4)]), .table(["five": .integer(5)]),
            ]))
            #expect(try value("[\n  1, # one\n\n  2\n  # end\n]") == .array([.integer(1), .integer(2)]))
            #expect(try value("[]") == .array([]))
            #expect(try value("{}") == .table([:]))
            #expect(try value("{ a.b = 1, a.c = 2, d = { e = 3 } }") == .table([
                "a": .table(["b": .integer(1), "c": .integer(2)]), "d": .table(["e": .integer(3)]),
            ]))
        }

        /// Dates and times keep one spelling whatever the admin wrote (as TOMLKit gave them).
        @Test(arguments: [
            ("1979-05-27T07:32:00Z", TOMLNode.dateTime("1979-05-27T07:32:00Z")),
            ("1979-05-27t07:32:00z", .dateTime("1979-05-27T07:32:00Z")),
            ("1979-05-27 07:32:00+00:00", .dateTime("1979-05-27T07:32:00Z")),
            ("1979-05-27T07:32:00-00:00", .dateTime("1979-05-27T07:32:00Z")),
            ("1979-05-27T00:32:00.999999-07:30", .dateTime("1979-05-27T00:32:00.999999-07:30")),
            ("1979-05-27T00:32:00.500+05:45", .dateTime("1979-05-27T00:32:00.5+05:45")),
            ("1979-05-27T00:32:00.000Z", .dateTime("1979-05-27T00:32:00Z")),
            ("1979-05-27T07:32:00", .dateTime("1979-05-27T07:32:00")),
            ("1979-05-27 07:32:00.1234567891", .dateTime("1979-05-27T07:32:00.123456789")),
            ("1979-05-27", .date("1979-05-27")),
            ("2000-02-29", .date("2000-02-29")),
            ("07:32:00", .time("07:32:00")),
            ("00:32:00.990", .time("00:32:00.99")),
            ("23:59:60", .time("23:59:60")),
        ])
        func datesAndTimes(_ written: String, _ parsed: TOMLNode) throws {
            #expect(try value(written) == parsed)
        }

        @Test func tablesAndArraysOfTables() throws {
            let root = try TOMLDocument.parse("""
                [a.b]
                x = 1
                [a]
                y = 2
                [[products]]
                name = "Hammer"
                [products.dims]
                w = 1
                [[products]]
                [[products]]
                name = "Nail"
                [[products.variants]]
                c = "grey"
                [fruit]
                apple.color = "red"
                apple.taste.sweet = true
                [fruit.apple.texture]
                smooth = true
                """)
            #expect(root["a"] == .table(["b": .table(["x": .integer(1)]), "y": .integer(2)]))
            #expect(root["products"] == .array([
                .table(["name": .string("Hammer"), "dims": .table(["w": .integer(1)])]),
                .table([:]),
                .table(["name": .string("Nail"), "variants": .array([.table(["c": .string("grey")])])]),
            ]))
            #expect(root["fruit"] == .table(["apple": .table([
                "color": .string("red"), "taste": .table(["sweet": .bool(true)]), "texture": .table(["smooth": .bool(true)]),
            ])]))
        }

        // MARK: Refusals

        /// (document, line, message): each refusal says where and what.
        static let refusals: [(String, Int, String)] = [
            ("a = 1\nb\n", 2, "expected '=' after key \"b\", found the end of the line"),
            ("port 8080\n", 1, "expected '=' after key \"port\", found '8'"),
            ("a = 1\na = 2\n", 2, "duplicate key \"a\" (first defined on line 1)"),
            ("[t]\nport = 1\n\nport = 2\n", 4, "duplicate key \"port\" (first defined on line 2)"),
            ("a.b = 1\na.b = 2\n", 2, "duplicate key \"a.b\" (first defined on line 1)"),
            ("a = 1\na.b = 2\n", 2, "\"a\" is already an integer (line 1), not a table"),
            ("[a]\n[a]\n", 2, "table [a] is defined twice (first on line 1)"),
            ("[a]\nb.c = 1\n[a.b]\n", 3, "table [a.b] is already defined by dotted keys (line 2)"),
            ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, "dotted key \"b.c.t\" cannot add to table \"b\": it is defined by a [table] header (line 1); write the key under that header"),
            ("a = { b = 1 }\n[a.c]\n", 2, "\"a\" is an inline table (line 1), which is complete as written: add the key inside its braces"),
            ("a = { b = 1 }\na.c = 2\n", 2, "\"a\" is an inline table (line 1), which is complete as written: add the key inside its braces"),
            ("a = [1]\n[[a]]\n", 2, "[[a]] cannot add to \"a\": it is an array written as a value (line 1), which is complete as written"),
            ("[[a]]\n[a]\n", 2, "[a] names an array of tables (line 1): write [[a]] to add an element"),
            ("[a]\n[[a]]\n", 2, "[[a]] cannot add to \"a\": it is a table (line 1), not an array of tables"),
            ("a = { b = 1, b = 2 }\n", 1, "duplicate key \"b\" (first defined on line 1)"),
            ("a = { b = 1, }\n", 1, "no ',' may come before the '}' that closes an inline table (TOML 1.0)"),
            ("a = { b = 1,\n c = 2 }\n", 1, "an inline table must be written on one line (TOML 1.0): close it with '}' before the end of the line, or use a [table] header"),
            ("a = [1, 2\n", 2, "the array opened on line 1 is not closed with ']'"),
            ("a = [1 2]\n", 1, "expected ',' or ']' after an element of the array opened on line 1, found '2'"),
            ("a = [,]\n", 1, "expected a value or ']' in the array opened on line 1, found ','"),
            ("a = [}\n", 1, "a closing bracket does not match its opening one: the array opened on line 1 closes with ']', not '}'"),
            ("a = {b = [1}\n", 1, "a closing bracket does not match its opening one: the array opened on line 1 closes with ']', not '}'"),
            ("a = {b = 1]\n", 1, "a closing bracket does not match its opening one: the inline table opened on line 1 closes with '}', not ']'"),
            ("a = \n", 1, "expected a value for key \"a\", found the end of the line"),
            ("a = # nothing\n", 1, "expected a value for key \"a\", found '#'"),
            ("overflow = block\n", 1, "the value of \"overflow\" is not valid TOML: text must be quoted (\"block\"); unquoted are only true, false, numbers, dates and times"),
            ("a = 1 2\n", 1, "expected the end of the line after the value of \"a\", found '2'"),
            ("[a] b = 1\n", 1, "expected the end of the line after the table header, found 'b'"),
            ("[]\n", 1, "a table header needs a name right after '[' (a key or a quoted key)"),
            ("[[ ]]\n", 1, "a table header needs a name right after '[[' (a key or a quoted key)"),
            ("[a\n", 1, "expected ']' to close the header [a], found the end of the line"),
            ("[[a]\n", 1, "expected ']]' to close the header [[a]], found ']'"),
            ("a. = 1\n", 1, "expected a key after '.', found '='"),
            ("= 1\n", 1, "expected a key (letters, digits, '_', '-', or a quoted key), found '='"),
            ("\"\"\"k\"\"\" = 1\n", 1, "a key cannot be a multi-line string"),
            ("a = 1\r\nb = 2\r", 2, "a carriage return (CR) must be followed by a line feed (LF)"),
            // Strings.
            ("a = \"abc\nb = 1\n", 1, "a string in \"…\" must end with '\"' on the same line (use \"\"\"…\"\"\" for a multi-line string)"),
            ("a = 'abc\n", 1, "a string in '…' must end with \"'\" on the same line (use '''…''' for a multi-line string)"),
            ("a = \"\"\"abc\n\n", 3, "the multi-line string opened on line 1 is not closed with \"\"\""),
            ("a = '''abc\n", 2, "the multi-line string opened on line 1 is not closed with '''"),
            ("a = \"C:\\x\"\n", 1, "invalid escape '\\' followed by 'x' in a string (TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX; write a backslash as \\\\ or use a 'literal string')"),
            ("a = \"\\e\"\n", 1, "invalid escape '\\' followed by 'e' in a string (TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX; write a backslash as \\\\ or use a 'literal string')"),
            ("a = \"\\u00G0\"\n", 1, "\\u needs 4 hexadecimal digits"),
            ("a = \"\\U0001F60\"\n", 1, "\\U needs 8 hexadecimal digits"),
            ("a = \"\\uD800\"\n", 1, "escape U+D800 is a surrogate, not a Unicode character (write the character's own code point)"),
            ("a = \"\\U00110000\"\n", 1, "escape U+110000 is beyond U+10FFFF, the last Unicode code point"),
            ("a = \"\"\"x\"\"\"\"\"\"\n", 1, "expected the end of the line after the value of \"a\", found '\"'"),
            // Integers.
            ("a = 9223372036854775808\n", 1, "invalid number 9223372036854775808: outside the 64-bit integer range -9223372036854775808...9223372036854775807"),
            ("a = -9223372036854775809\n", 1, "invalid number -9223372036854775809: outside the 64-bit integer range -9223372036854775808...9223372036854775807"),
            ("a = 0x8000000000000000\n", 1, "invalid number 0x8000000000000000: outside the 64-bit integer range -9223372036854775808...9223372036854775807"),
            ("a = 99999999999999999999999\n", 1, "invalid number 99999999999999999999999: outside the 64-bit integer range -9223372036854775808...9223372036854775807"),
            ("a = 012\n", 1, "invalid number 012: a decimal number cannot start with a leading zero"),
            ("a = 1__2\n", 1, "invalid number 1__2: an underscore must stand between two digits"),
            ("a = _1\n", 1, "expected a value for key \"a\", found '_'"),
            ("a = 1_\n", 1, "invalid number 1_: an underscore must stand between two digits"),
            ("a = -0x1\n", 1, "invalid number -0x1: hexadecimal, octal and binary integers take no sign"),
            ("a = 0b012\n", 1, "invalid number 0b012: '2' is not a digit of a base-2 number"),
            ("a = 0x\n", 1, "invalid number 0x: digits are missing"),
            ("a = +\n", 1, "invalid number +: a sign needs digits after it"),
            // Floats.
            ("a = 1.\n", 1, "invalid number 1.: a float needs digits after the '.'"),
            ("a = .5\n", 1, "expected a value for key \"a\", found '.'"),
            ("a = 1.e5\n", 1, "invalid number 1.e5: a float needs digits after the '.'"),
            ("a = 1e\n", 1, "invalid number 1e: a float needs digits in the exponent"),
            ("a = 01.5\n", 1, "invalid number 01.5: a decimal number cannot start with a leading zero"),
            ("a = 1.5_\n", 1, "invalid number 1.5_: an underscore must stand between two digits"),
            ("a = 1e400\n", 1, "invalid number 1e400: too large for a 64-bit float"),
            ("a = infinity\n", 1, "the value of \"a\" is not valid TOML: text must be quoted (\"infinity\"); unquoted are only true, false, numbers, dates and times"),
            // Dates and times.
            ("a = 1979-13-01\n", 1, "invalid date: month 13 is not 01 to 12"),
            ("a = 1979-02-29\n", 1, "invalid date: day 29 is not 01 to 28 (the days of month 02 in 1979)"),
            ("a = 1900-02-29\n", 1, "invalid date: day 29 is not 01 to 28 (the days of month 02 in 1900)"),
            ("a = 1979-04-31\n", 1, "invalid date: day 31 is not 01 to 30 (the days of month 04 in 1979)"),
            ("a = 1979-04-00\n", 1, "invalid date: day 00 is not 01 to 30 (the days of month 04 in 1979)"),
            ("a = 1979-5-27\n", 1, "expected a date as YYYY-MM-DD (e.g. 1979-05-27), not \"1979-5-27\""),
            ("a = 24:00:00\n", 1, "invalid time: hour 24 is not 00 to 23"),
            ("a = 12:60:00\n", 1, "invalid time: minute 60 is not 00 to 59"),
            ("a = 12:00:61\n", 1, "invalid time: second 61 is not 00 to 60"),
            ("a = 07:32\n", 1, "a time needs seconds: HH:MM:SS (TOML 1.0), found the end of the line after the minutes"),
            ("a = 07:32:00.\n", 1, "a time needs digits after the '.' of its seconds"),
            ("a = 1979-05-27T\n", 1, "a date followed by 'T' needs a time (HH:MM:SS)"),
            ("a = 1979-05-27 7:32:00\n", 1, "a date, a space and a digit start a date-time: the time must follow as HH:MM:SS"),
            ("a = 1979-05-27T07:32:00+7:00\n", 1, "expected a time offset as +HH:MM or -HH:MM after the time, found '7'"),
            ("a = 1979-05-27T07:32:00+24:00\n", 1, "invalid time offset: hours must be 00 to 23 and minutes 00 to 59"),
            ("a = 1979-05-27T07:32:00Zx\n", 1, "expected the end of the line after the value of \"a\", found 'x'"),
        ]

        @Test(arguments: refusals)
        func refusedWithLineAndMessage(_ document: String, _ line: Int, _ message: String) {
            #expect(error(document) == TOMLSyntaxError(line: line, message: message))
        }

        /// A hostile file cannot overflow the stack: nesting is capped with a clear error.
        @Test func deepNestingIsRefused() {
            let limit = TOMLParser.maximumDepth
            let tooDeep = "tables, arrays and inline tables are nested more than \(limit) levels deep"
            #expect(error("a = " + String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) == nil)
            #expect(error("a = " + String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
                == TOMLSyntaxError(line: 1, message: tooDeep))
            #expect(error("a = " + String(repeating: "[", count: 100_000))?.message == tooDeep)
            #expect(error("a = " + String(repeating: "{b = ", count: 100_000))?.message == tooDeep)
            let keyOfLimitParts = (1...limit).map { "k\($0)" }.joined(separator: ".")
            #expect(error("[" + keyOfLimitParts + ".one_more]\n")?.message == "a dotted key of more than \(limit) parts")
            #expect(error("[x]\n" + String(repeating: "a.", count: 100_000) + "b = 1\n")?.message == "a dotted key of more than \(limit) parts")
            #expect(error("[" + keyOfLimitParts + "]\n") == nil)
            #expect(error("[x.y]\n" + keyOfLimitParts + " = 1\n") == TOMLSyntaxError(line: 2, message: tooDeep))
            // An array of tables is two levels: the array and its element.
            let keyBelowLimit = (2...limit).map { "k\($0)" }.joined(separator: ".")
            #expect(error("[[x]]\n[[x." + keyBelowLimit + "]]\n") == TOMLSyntaxError(line: 2, message: tooDeep))
            // Headers, dotted keys and values add up.
            let half = (1...(limit / 2)).map { "h\($0)" }.joined(separator: ".")
            #expect(error("[\(half)]\n\(half) = " + String(repeating: "[", count: 2) + "]]\n")?.message == tooDeep)
        }

        @Test func controlCharactersKeepTheirMessages() {
            #expect(error("a = 1\nb = \"\u{1}\"\n") == TOMLSyntaxError(line: 2, message: "control character U+0001 in file (TOML allows only tab, LF and CR)"))
            #expect(error("a = 1\n\0") == TOMLSyntaxError(line: 2, message: "NUL character in file"))
        }

        // MARK: Round trip

        /// Random documents of every value kind (seeded, so a failure repeats) survive
        /// write -> parse unchanged.
        @Test func randomDocumentsRoundTrip() throws {
            var random = SeededRandom(seed: 0x5EED_70A1)
            for _ in 0..<300 {
                guard case let .table(root) = random.node(depth: 0, table: true) else { continue }
                let written = TOMLWriter.document(root)
                let again = try TOMLDocument.parse(written)
                #expect(TOMLWriter.same(.table(root), .table(again)), "\(written)")
            }
        }

        /// Written back as TOML (fuzz-config's oracle), a document parses to itself.
        @Test func writtenDocumentsParseToThemselves() throws {
            let documents = [
                try ConfigFiles.readFile(ShippedConfigTests.shippedPath).text,
                """
                s = "q\\" \\\\ \\u0001 \\u007F é 😀\\n\\t"
                "key with \\"quotes\\"" = 'lit'
                i = [0, -1, 9223372036854775807, -9223372036854775808]
                f = [0.1, -0.0, 1e300, 5e-324, 1.5e-7, inf, -inf, nan]
                d = [1979-05-27, 07:32:00.25, 1979-05-27T07:32:00-07:00, 1979-05-27T07:32:00]
                b = [true, false]
                [[t.u]]
                x = {y = [{}, [], [[]]]}
                [[t.u]]
                """,
            ]
            for text in documents {
                let root = try TOMLDocument.parse(text)
                let written = TOMLWriter.document(root)
                let again = try TOMLDocument.parse(written)
                #expect(TOMLWriter.same(.table(root), .table(again)), "\(written)")
            }
        }
    }
}

/// Makes random `TOMLNode`s in normalised form (as the parser gives them back).
private struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64: small and good enough for test data.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func text() -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", ".", "\"", "'", "\\", "\n", "\t", "\r", "\u{0}", "\u{1F}", "\u{7F}", "é", "😀", "\u{2028}", "=", "#", "[", "{"]
        var out = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &self) { out.append(pool.randomElement(using: &self) ?? "a") }
        return String(out)
    }

    mutating func two(_ range: ClosedRange<Int>) -> String { TOMLDateText.pad(Int.random(in: range, using: &self), 2) }

    mutating func date() -> String {
        let year = Int.random(in: 0...9999, using: &self), month = Int.random(in: 1...12, using: &self)
        let day = Int.random(in: 1...TOMLDateText.daysIn(month: month, year: year), using: &self)
        return TOMLDateText.pad(year, 4) + "-" + TOMLDateText.pad(month, 2) + "-" + TOMLDateText.pad(day, 2)
    }

    mutating func time() -> String {
        var text = two(0...23) + ":" + two(0...59) + ":" + two(0...60)
        if Bool.random(using: &self) {
            // No trailing zeros: the parser drops them.
            text += "." + String(Int.random(in: 1...999_999_999, using: &self)).reversed().drop { $0 == "0" }.reversed()
        }
        return text
    }

    mutating func node(depth: Int, table: Bool = false) -> TOMLNode {
        let kind = table ? 9 : Int.random(in: 0...(depth < 4 ? 9 : 7), using: &self)
        switch kind {
        case 0: return .string(text())
        case 1: return .integer(Int64(bitPattern: next()))
        case 2: return .float(Double(bitPattern: next()))
        case 3: return .bool(Bool.random(using: &self))
        case 4: return .date(date())
        case 5: return .time(time())
        case 6:
            let offsets = ["", "Z", "+" + two(0...23) + ":" + two(1...59), "-" + two(1...23) + ":" + two(0...59)]
            return .dateTime(date() + "T" + time() + (offsets.randomElement(using: &self) ?? ""))
        case 7: return .float([0.0, -0.0, .infinity, -.infinity, .nan, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude].randomElement(using: &self) ?? 0)
        case 8: return .array((0..<Int.random(in: 0...4, using: &self)).map { _ in node(depth: depth + 1) })
        default:
            var members: [String: TOMLNode] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &self) { members[text()] = node(depth: depth + 1) }
            return .table(members)
        }
    }
}
