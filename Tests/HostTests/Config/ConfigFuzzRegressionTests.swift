import Foundation
import Testing
@testable import Host

/// What fuzz-config found (fuzz/README.md), each with its reproducer in
/// fuzz/corpus/fuzz-config, and the committed corpus replayed through the loader.
@Suite struct ConfigFuzzRegressionTests {
    static let corpus = "\(TestPaths.repository)/fuzz/corpus/fuzz-config"

    /// toml++ aborted (its own assert) on a control character after "[": a nazar.toml
    /// or plugins.d file took nazard and `nazarctl check-config` down. Now every control
    /// character TOML forbids is refused before parsing, with its line.
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

    /// toml++ also aborted on "[" followed by a newline or "." at document level (the
    /// fuzzer split "[[config.rules]]" after "[[" on line 77). Such headers are refused with their line; arrays
    /// inside values, quoted and spaced headers still parse.
    @Test func aTableHeaderWithoutANameIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        let reproducer = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/regression-newline-after-table-bracket")))
        try fx.writeBytes("nazar.toml", reproducer)
        #expect(fx.loadError()?.message == "a table header needs a name right after '[' (a key or a quoted key)")
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
            "/a"][0],
            ]
            # [ not a header
            [ "log" ]
            level = "info" # ]]
            """
        #expect(TOMLHeaderCheck.firstBadHeader(fine) == nil)
        let strings = "a = \"\"\"\n[\n\"\"\"\nb = '''\n[.\n'''\n[t]\n"
        #expect(TOMLHeaderCheck.firstBadHeader(strings) == nil, "strings hide brackets")
        #expect(TOMLHeaderCheck.firstBadHeader("a = { b = [\n1] }\n[\n") == 3)
        // fuzz-config again: an unterminated string's newline was counted twice (line 87 of 86).
        #expect(TOMLHeaderCheck.firstBadHeader("a = \"x\n[\n") == 2)
        #expect(TOMLHeaderCheck.firstBadHeader("a = 'x\n\n[.\n") == 3)
        try fx.writeMain("[ \"log\" ]\nlevel = \"info\"\n")
        #expect(fx.loadError() == nil)
    }

    /// toml++ asserted in its time parser on a date, "T" and no digit (fuzz-config).
    @Test func aDateWithTButNoTimeIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        let reproducer = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/regression-date-t-without-time")))
        try fx.writeBytes("x.toml", reproducer)
        let (instance, diagnostics) = ConfigLoader.readInstanceFile(fx.path("x.toml"))
        #expect(instance == nil)
        #expect(diagnostics.first?.message == "a date followed by 'T' needs a time (HH:MM:SS)")
        #expect(TOMLHeaderCheck.firstProblem("a = 1979-05-27T07:32:00Z\nb = 1979-05-27\nc = \"1979-05-27T\"\n") == nil)
        #expect(TOMLHeaderCheck.firstProblem("a = 1\nb = [1979-05-27t]\n") == .dateTimeWithoutTime(line: 2))
    }

    /// toml++ asserted in parse_value on a value, a space and one digit before a
    /// terminator (fuzz-config, 10-million-run campaign: "l=3958-05-27 0 ", "l=3=58-05-27 0",
    /// "s=1979-05-2= 0 ": an "=" inside a value is part of it to toml++).
    @Test func aValueWithASpaceAndOneDigitIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        for name in ["regression-date-space-one-digit", "regression-token-space-one-digit", "regression-equals-in-value-space-one-digit",
                     "regression-quote-in-value-space-one-digit"] {
            let reproducer = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/\(name)")))
            try fx.writeBytes("x.toml", reproducer)
            let (instance, diagnostics) = ConfigLoader.readInstanceFile(fx.path("x.toml"))
            #expect(instance == nil, "\(name)")
            #expect(diagnostics.first?.message.hasPrefix("a value followed by a space and one digit") == true, "\(name)")
            #expect(diagnostics.first?.line == 3, "\(name)")
        }
        for bad in ["l = 3958-05-27 0 \n", "l = [3958-05-27 0]\n", "l = {a = 3958-05-27 0}\n", "l = 3958-05-27 0#\n",
                    "l = [3958-05-27 0,1]\n", "l=3=58-05-27 0\n", "l = 3958-05-2a 0\n", "s=1979-05-2= 0 \n", "t = { a = 1979-05-2= 0 }\n",
                    "l=3957-05-$\" 1 \n", "l = [1_979-05-\"7 1]\n"] {
            #expect(TOMLHeaderCheck.firstProblem(bad) == .loneDigitAfterValue(line: 1), "\(bad)")
        }
        // Valid TOML with a space before a digit is untouched.
        let fine = """
            a = 1979-05-27 07:32:00
            b = 1979-05-27 \nc = [1979-05-27 , 1]
            d = "1979-05-27 0"
            e = { x = 1, y = [ 2 ], z . 3 = 4, w = { v = 5 } }
            g = [ { h = 6 }, { i = 7 } ]
            f = [ 1, 2 ] # 3 4
            """
        #expect(TOMLHeaderCheck.firstProblem(fine) == nil)
    }

    /// toml++ asserted in parse_value on "a = [}" (fuzz-config, run in CI).
    @Test func aMismatchedBracketIsASyntaxErrorNotAnAbort() throws {
        let fx = try ConfigFixture()
        try fx.writeBytes("x.toml", Array("# ok\nname = [[1], [2,\n }]\n".utf8))
        let (instance, diagnostics) = ConfigLoader.readInstanceFile(fx.path("x.toml"))
        #expect(instance == nil)
        #expect(diagnostics.first?.line == 3)
        #expect(diagnostics.first?.message.contains("closing bracket does not match") == true)
        #expect(TOMLHeaderCheck.firstProblem("a = [}\n") == .mismatchedBracket(line: 1))
        #expect(TOMLHeaderCheck.firstProblem("a = {b = [1, {c = 2}], d = \"]}\"}\n[t]\nx = [\n  1, # ]\n]\n") == nil)
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
        }
        #expect(accepted >= 8, "the shipped plugins.d files are accepted instances")
    }
}
