import Testing
@testable import Host

/// The matcher grammar shared by `nazarctl`, config files and the HTTP API.
@Suite struct LabelMatcherTests {
    @Test func parsesEveryOperatorAndQuoting() throws {
        let list = try LabelMatcher.parseList(#"{host="web1", mount=~"/var.*", rule!=cpu_high , path!~"a,b\"c"}"#)
        #expect(list == [LabelMatcher("host", .equal, "web1"), LabelMatcher("mount", .regexMatch, "/var.*"),
                         LabelMatcher("rule", .notEqual, "cpu_high"), LabelMatcher("path", .regexNoMatch, #"a,b"c"#)])
        #expect(try LabelMatcher.parseList("") == [])
        #expect(try LabelMatcher.parseList("{}") == [])
        #expect(try LabelMatcher.parse("severity=critical") == LabelMatcher("severity", .equal, "critical"))
        #expect(try LabelMatcher.parse("host=") == LabelMatcher("host", .equal, ""))
    }

    @Test func regexIsAnchoredAndPOSIXExtended() throws {
        let m = try LabelMatcher.parse("host=~web[0-9]+|db")
        #expect(m.matches(value: "web12"))
        #expect(m.matches(value: "db"))
        #expect(!m.matches(value: "aweb1"))
        #expect(!m.matches(value: "web1x"))
        #expect(try LabelMatcher.parse("host!~web.*").matches(value: "db1"))
        // A missing label is "".
        #expect(try LabelMatcher.parse("mount=~.*").matches(metric: "cpu", labels: []))
        #expect(try LabelMatcher.parse("__name__=~cpu\\..*").matches(metric: "cpu.total", labels: []))
    }

    @Test func badTextNamesTheProblem() {
        func reason(_ text: String) -> String {
            do { _ = try LabelMatcher.parseList(text); return "parsed" } catch { return error.description }
        }
        #expect(reason("host") .contains("expected =, !=, =~ or !~ after 'host'"))
        #expect(reason("=web1").contains("expected a label name at character 1"))
        #expect(reason("1host=a").contains("starts with a digit"))
        #expect(reason("{host=a").contains("missing closing '}'"))
        #expect(reason(#"host="web1"#).contains("unterminated quoted value"))
        #expect(reason("host=~web(").contains("bad label matcher 'host=~web('"))
        #expect(reason("a=1}").contains("unexpected"))
        #expect(reason("a=1,b=2").contains("parsed"))
    }

    @Test func printsBackInParsableForm() throws {
        let m = LabelMatcher("path", .regexMatch, #"a"b\c"#)
        #expect(try LabelMatcher.parse(m.description) == m)
    }
}
