import Testing
@testable import Host

/// The text an admin types into `nazarctl query`: selectors and times.
@Suite struct QueryTextTests {
    @Test func selectorsTakeAMetricNameMatchersOrBoth() throws {
        #expect(try SeriesSelector.parse("cpu.total{host=\"web1\"}")
                == [LabelMatcher("__name__", .equal, "cpu.total"), LabelMatcher("host", .equal, "web1")])
        #expect(try SeriesSelector.parse("  node:load-1  ") == [LabelMatcher("__name__", .equal, "node:load-1")])
        #expect(try SeriesSelector.parse("{host=~\"web.*\", core!=\"0\"}")
                == [LabelMatcher("host", .regexMatch, "web.*"), LabelMatcher("core", .notEqual, "0")])
        #expect(try SeriesSelector.parse("") == [])
        #expect(throws: LabelMatcherError(text: "cpu total", reason: "expected '{' after the metric name 'cpu'")) {
            try SeriesSelector.parse("cpu total")
        }
        #expect(throws: LabelMatcherError(text: "cpu{host=\"a\"", reason: "missing closing '}'")) {
            try SeriesSelector.parse("cpu{host=\"a\"")
        }
        #expect(throws: LabelMatcherError.self) { try SeriesSelector.parse("cpu/total") }
    }

    @Test func timesAreRelativeUnixOrRFC3339() throws {
        let now: Int64 = 1_800_000_000_123_000_000
        let s: Int64 = 1_000_000_000
        #expect(try QueryTime.parse("now", now: now, field: "--to") == now)
        #expect(try QueryTime.parse("-1h", now: now, field: "--from") == now - 3600 * s)
        #expect(try QueryTime.parse("now-1h30m", now: now, field: "--from") == now - 5400 * s)
        #expect(try QueryTime.parse("+10m", now: now, field: "--to") == now + 600 * s)
        #expect(try QueryTime.parse("1700000000", now: now, field: "--from") == 1_700_000_000 * s)
        #expect(try QueryTime.parse("1700000000.25", now: now, field: "--from") == 1_700_000_000 * s + 250_000_000)
        #expect(try QueryTime.parse("2023-11-14T22:13:20Z", now: now, field: "--from") == 1_700_000_000 * s)
        #expect(try QueryTime.parse("2023-11-14T23:13:20.5+01:00", now: now, field: "--from") == 1_700_000_000 * s + 500_000_000)
        #expect(try QueryTime.parse("2023-11-14", now: now, field: "--from") == 1_699_920_000 * s)
        // What the HTTP API took before the two parsers were one: epoch integers told apart
        // by magnitude (JavaScript's Date.now() is in ms), lowercase 't' and 'z'.
        #expect(try QueryTime.parse("1700000000000", now: now, field: "from") == 1_700_000_000 * s)
        #expect(try QueryTime.parse("1700000000000000", now: now, field: "from") == 1_700_000_000 * s)
        #expect(try QueryTime.parse("1700000000000000000", now: now, field: "from") == 1_700_000_000 * s)
        #expect(try QueryTime.parse("2023-11-14t22:13:20.000000000123z", now: now, field: "from") == 1_700_000_000 * s)
        #expect(try QueryTime.parse(" -30m ", now: now, field: "from") == now - 1800 * s)
        for bad in ["yesterday", "-1x", "2023-13-01", "2023-11-14T22:13", "17e8", "", "-5", "1700000000.", "now-", "2023-11-14T22:13:20+1:00"] {
            #expect(throws: StorageError.self, "\(bad)") { try QueryTime.parse(bad, now: now, field: "--from") }
        }
        do {
            _ = try QueryTime.parse("soon", now: now, field: "--to")
        } catch {
            #expect(error.description.hasPrefix("--to: 'soon' is not a time"))
        }
    }

    @Test func stepsAreDurationsOrWholeSeconds() throws {
        let s: Int64 = 1_000_000_000
        #expect(try QueryTime.duration("30s", field: "step") == 30 * s)
        #expect(try QueryTime.duration("1h30m", field: "step") == 5400 * s)
        #expect(try QueryTime.duration("60", field: "step") == 60 * s)
        #expect(try QueryTime.duration("250ms", field: "step") == s / 4)
        for bad in ["0", "0s", "-1", "-5m", "soon", "", "99999999999999999"] {
            #expect(throws: StorageError.self, "\(bad)") { try QueryTime.duration(bad, field: "step") }
        }
        #expect(throws: StorageError.invalidArgument(
            field: "--step", reason: "'x' is not a positive duration (examples: 10s, 5m, 1h, or whole seconds)")) {
            try QueryTime.duration("x", field: "--step")
        }
    }

    @Test func timesPrintAsRFC3339InUTCAndParseBack() throws {
        let t: Int64 = 1_700_000_000_250_000_000
        #expect(QueryTime.format(t) == "2023-11-14T22:13:20.250Z")
        #expect(try QueryTime.parse(QueryTime.format(t), now: 0, field: "t") == t)
        #expect(QueryTime.format(-1_000_000) == "1969-12-31T23:59:59.999Z")
    }

    /// What SQL may narrow a regex matcher to: a prefix every match starts with, or nothing.
    @Test func regexLiteralPrefixesAreSafe() {
        #expect(SQLStore.literalPrefix(of: "web4.*") == "web4")
        #expect(SQLStore.literalPrefix(of: "web(1|2)00") == "web")
        #expect(SQLStore.literalPrefix(of: "webs?") == "web")
        #expect(SQLStore.literalPrefix(of: "webs*x") == "web")
        #expect(SQLStore.literalPrefix(of: "webs{0,2}") == "web")
        #expect(SQLStore.literalPrefix(of: "webs+") == "webs")
        #expect(SQLStore.literalPrefix(of: "a|web") == nil)
        #expect(SQLStore.literalPrefix(of: "web\\.x|db") == nil)
        #expect(SQLStore.literalPrefix(of: "web[|]x") == "web")
        #expect(SQLStore.literalPrefix(of: "web[]|]x|y") == nil)
        #expect(SQLStore.literalPrefix(of: ".*web") == nil)
        #expect(SQLStore.literalPrefix(of: "(web") == nil)
        #expect(SQLStore.successor(of: "web42") == "web43")
        #expect(SQLStore.successor(of: "a\u{D7FF}") == "a\u{E000}")
        #expect(SQLStore.successor(of: "a\u{10FFFF}") == nil)
    }
}
