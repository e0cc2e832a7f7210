import Foundation
import Testing
@testable import Host

/// What fuzz-config found (fuzz/README.md), each with its reproducer in
/// fuzz/corpus/fuzz-config, and the committed corpus replayed through the loader. The
/// first findings were aborts in toml++ (the C++ parser under TOMLKit, which we used
/// until our own TOMLParser); the reproducers stay to show each is a plain syntax error.
@Suite struct ConfigFuzzRegressionTests {
    static let corpus = "\(TestPaths.repository)/fuzz/corpus/fuzz-config"

    /// toml++ aborted (its own assert) on a control character after "[": a nazar.toml
    /// or plugins.d file took nazard and `nazarctl check-config` down. Every control
    /// character TOML forbids is refused, with its line, before anything else is read.
    @Test func aControlCharacterIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        let reproducer = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/regression-control-character-in-table-header")))
        try fx.writeBytes("nazar.toml", reproducer)
        let error = try #require(fx.loadError())
        #expect(error.message == "control character U+001A in file (TOML allows only tab, LF and CR)")
        let firstBad = try #require(reproducer.firstIndex(of: 0x1A))
        #expect(error.line == reproducer[..<firstBad].filter { $0 == 0x0A }.count + 1)

        try fx.writeMain("[log]\nlevel = \"info\"\n# a comment with a bell \u{7}\n")
        #expect(fx.loadError()?.message == "control character U+0007 in file (TOML allows only tab, LF and CR)")
        #expect(fx.loadError()?.line == 3)
        try fx.writeMain("[log]\nlevel = \"info\"\u{7F}\n")
        #expect(fx.loadError()?.message == "control character U+007F in file (TOML allows only tab, LF and CR)")
        // Tab and CRLF line ends are still fine.
        try fx.writeMain("[log]\r\n\tlevel = \"info\"\r\n")
        #expect(fx.loadError() == nil)

        // A plugins.d file with one costs only that instance.
        try fx.writeMain("[daemon]\nplugins_directory = \"\(fx.pluginsPath)\"\n")
        try fx.writePlugin("good.toml", "plugin = \"collector-system\"\n")
        try fx.writePlugin("bad.toml", "plugin = \"notifier-log\"\n[\u{1A}x]\n")
        let loaded = try fx.load()
        #expect(loaded.instances.map(\.name) == ["good"])
        #expect(loaded.diagnostics.contains { $0.file.hasSuffix("bad.toml") && $0.line == 2 && $0.message.hasPrefix("control character U+001A") })
    }

    func syntaxError(_ text: String) -> TOMLSyntaxError? {
        do {
            _ = try TOMLDocument.parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// The first error diagnostic of a reproducer read as a plugins.d file.
    func reproducerError(_ name: String) throws -> ConfigDiagnostic? {
        let fx = try ConfigFixture()
        let reproducer = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/\(name)")))
        try fx.writeBytes("x.toml", reproducer)
        let (instance, diagnostics) = ConfigLoader.readInstanceFile(fx.path("x.toml"))
        #expect(instance == nil, "\(name)")
        return diagnostics.first { $0.isError }
    }

    /// toml++ also aborted on "[" followed by a newline or "." at document level (the
    /// fuzzer split "[[config.rules]]" after "[[" on line 77). Such headers are refused with
    /// their line; arrays inside values, quoted and spaced headers still parse.
    @Test func aTableHeaderWithoutANameIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        let reproducer = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/regression-newline-after-table-bracket")))
        try fx.writeBytes("nazar.toml", reproducer)
        #expect(fx.loadError()?.message == "a table header needs a name right after '[[' (a key or a quoted key)")
        #expect(fx.loadError()?.line == 77)
        for (text, line) in [("[log]\n[\nlevel = 1\n", 2), ("[.log]\n", 1), ("  [[ \n", 1), ("[log] # c\n[\t.x]\n", 2)] {
            try fx.writeMain(text)
            #expect(fx.loadError()?.line == line, "\(text)")
            #expect(fx.loadError()?.message.hasPrefix("a table header needs a name") == true, "\(text)")
        }
        let fine = """
            [plugins]
            search_path = [
            [
            "/a"],
            ]
            # [ not a header
            [ "log" ]
            level = "info" # ]]
            """
        #expect(syntaxError(fine) == nil)
        #expect(syntaxError("a = \"\"\"\n[\n\"\"\"\nb = '''\n[.\n'''\n[t]\n") == nil, "strings hide brackets")
        // An inline table is one line, but an array in it may span several (TOML 1.0).
        #expect(syntaxError("a = { b = [\n1] }\n[\n")?.line == 3)
        // fuzz-config, against the old pre-scan: an unterminated string's newline was counted twice.
        #expect(syntaxError("a = \"x\n[\n")?.line == 1)
        #expect(syntaxError("a = 'x\n\n[.\n")?.line == 1)
        try fx.writeMain("[ \"log\" ]\nlevel = \"info\"\n")
        #expect(fx.loadError() == nil)
    }

    /// toml++ asserted in its time parser on a date, "T" and no digit (fuzz-config).
    @Test func aDateWithTButNoTimeIsASyntaxErrorNotAnAbort() throws {
        let error = try #require(try reproducerError("regression-date-t-without-time"))
        #expect(error.message == "a date followed by 'T' needs a time (HH:MM:SS)")
        #expect(error.line == 4)
        #expect(syntaxError("a = 1979-05-27T07:32:00Z\nb = 1979-05-27\nc = \"1979-05-27T\"\n") == nil)
        #expect(syntaxError("a = 1\nb = [1979-05-27t]\n") == TOMLSyntaxError(line: 2, message: "a date followed by 'T' needs a time (HH:MM:SS)"))
    }

    /// toml++ asserted in parse_value on a value, a space and one digit before a
    /// terminator (fuzz-config, 10-million-run campaign: "l=3958-05-27 0 ", "l=3=58-05-27 0",
    /// "s=1979-05-2= 0 "). Each is now refused for what is actually wrong with it.
    @Test func aValueWithASpaceAndOneDigitIsASyntaxErrorNotAnAbort() throws {
        let dateSpaceDigit = "a date, a space and a digit start a date-time: the time must follow as HH:MM:SS"
        for (name, message) in [
            ("regression-date-space-one-digit", dateSpaceDigit),
            ("regression-token-space-one-digit", "expected the end of the line after the value of \"l\", found '='"),
            ("regression-equals-in-value-space-one-digit", "expected a date as YYYY-MM-DD (e.g. 1979-05-27), not \"1979-05-2=\""),
            ("regression-quote-in-value-space-one-digit", "expected a date as YYYY-MM-DD (e.g. 1979-05-27), not \"3957-05-$\"\""),
        ] {
            let error = try #require(try reproducerError(name))
            #expect(error.message == message, "\(name)")
            #expect(error.line == 3, "\(name)")
        }
        for bad in ["l = 3958-05-27 0 \n", "l = [3958-05-27 0]\n", "l = {a = 3958-05-27 0}\n", "l = 3958-05-27 0#\n",
                    "l = [3958-05-27 0,1]\n"] {
            #expect(syntaxError(bad) == TOMLSyntaxError(line: 1, message: dateSpaceDigit), "\(bad)")
        }
        for bad in ["l=3=58-05-27 0\n", "l = 3958-05-2a 0\n", "s=1979-05-2= 0 \n", "t = { a = 1979-05-2= 0 }\n",
                    "l=3957-05-$\" 1 \n", "l = [1_979-05-\"7 1]\n"] {
            #expect(syntaxError(bad)?.line == 1, "\(bad)")
        }
        // Valid TOML with a space before a digit still parses.
        let fine = """
            a = 1979-05-27 07:32:00
            b = 1979-05-27 \nc = [1979-05-27 , 1]
            d = "1979-05-27 0"
            e = { x = 1, y = [ 2 ], z . 3 = 4, w = { v = 5 } }
            g = [ { h = 6 }, { i = 7 } ]
            f = [ 1, 2 ] # 3 4
            """
        #expect(syntaxError(fine) == nil)
    }

    /// toml++ asserted in parse_value on "a = [}" (fuzz-config, run in CI).
    @Test func aMismatchedBracketIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        try fx.writeBytes("x.toml", Array("# ok\nname = [[1], [2,\n }]\n".utf8))
        let (instance, diagnostics) = ConfigLoader.readInstanceFile(fx.path("x.toml"))
        #expect(instance == nil)
        #expect(diagnostics.first?.line == 3)
        #expect(diagnostics.first?.message == "a closing bracket does not match its opening one: the array opened on line 2 closes with ']', not '}'")
        for name in ["regression-mismatched-bracket-49d6b850", "regression-mismatched-bracket-7eb74fe0",
                     "regression-mismatched-bracket-e781015c", "regression-toml-parse-value-assert"] {
            let error = try #require(try reproducerError(name))
            #expect(error.message.hasPrefix("a closing bracket does not match its opening one"), "\(name)")
            #expect(error.line == 4, "\(name)")
        }
        #expect(syntaxError("a = [}\n")?.line == 1)
        #expect(syntaxError("a = {b = [1, {c = 2}], d = \"]}\"}\n[t]\nx = [\n  1, # ]\n]\n") == nil)
    }

    /// Every committed input ends in a config or diagnostics that name an existing line,
    /// as fuzz-config checks.
    @Test func theCommittedCorpusReplaysWithoutSurprises() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).sorted()
        #expect(names.count >= 9, "the shipped config files are seeds")
        var accepted = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/\(name)")))
            guard let text = try? ConfigFiles.text(of: bytes) else { continue }
            let lines = bytes.filter { $0 == 0x0A }.count + 1
            let main = ConfigLoader.readMain(ConfigFileContents(text: text, worldWritable: false), path: "/etc/nazar/nazar.toml")
            #expect(main.config != nil || main.diagnostics.contains(where: \.isError), "\(name)")
            let instance = ConfigLoader.readInstance(ConfigFileContents(text: text, worldWritable: false), file: "/p/x.toml")
            #expect((instance.instance == nil) == instance.diagnostics.contains(where: \.isError), "\(name)")
            for d in main.diagnostics + instance.diagnostics {
                if let line = d.line { #expect((1...lines).contains(line), "\(name): \(d)") }
            }
            if instance.instance != nil { accepted += 1 }
            // fuzz-config's oracle: what the parser accepts, written back, parses to itself.
            if let root = try? TOMLDocument.parse(text) {
                let written = TOMLWriter.document(root)
                #expect((try? TOMLDocument.parse(written)).map { TOMLWriter.same(.table(root), .table($0)) } == true, "\(name)")
            }
        }
        #expect(accepted >= 8, "the shipped plugins.d files are accepted instances")
    }
}
