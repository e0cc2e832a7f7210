import Foundation
import Testing
@testable import Host

@Suite struct ReplayInputTests {
    @Test func parsesNABTimestampsAsUTC() {
        #expect(ReplayInput.parseTimestamp("2014-04-01 00:00:00") == Int64(1_396_310_400) * 1_000_000_000)
        #expect(ReplayInput.parseTimestamp("1970-01-01T00:00:01") == 1_000_000_000)
        #expect(ReplayInput.parseTimestamp("2016-02-29 23:59:59") == Int64(1_456_790_399) * 1_000_000_000)
        #expect(ReplayInput.parseTimestamp("2014-13-01 00:00:00") == nil)
        #expect(ReplayInput.parseTimestamp("2014-04-01") == nil)
        #expect(ReplayInput.parseTimestamp("2014-04-01 0a:00:00") == nil)
    }

    @Test func keepsMalformedNABRowsAlignedWithTheirReasons() throws {
        let text = "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,abc\n2014-04-01 00:10:00\nbad,3\n2014-04-01 00:15:00,nan\n2014-04-01 00:20:00,inf\n"
        let (_, rows) = try ReplayInput.read(text: text, format: .nab, step: 0)
        #expect(rows.count == 6)
        #expect(rows[0].values == [1.5] && rows[0].problem == nil && rows[0].line == 2)
        #expect(rows[1].problem == "value 'abc' is not a number")
        #expect(rows[2].problem == "expected 2 columns (timestamp,value), found 1")
        #expect(rows[3].problem == "timestamp 'bad' is not YYYY-MM-DD HH:MM:SS")
        #expect(rows[4].values.first?.isNaN == true && rows[4].problem == nil, "NaN is passed on, not refused")
        #expect(rows[5].values == [.infinity])
    }

    @Test func readsODDSRowsWithTheLabelApart() throws {
        let text = "f0,f1,label\n1,2,0\n3,x,1\n5,6\n7,8,1\n"
        let (header, rows) = try ReplayInput.read(text: text, format: .odds, step: 10_000_000_000)
        #expect(header == ["f0", "f1", "label"])
        #expect(rows.map(\.key) == ["0", "1", "2", "3"])
        #expect(rows.map(\.passthrough) == ["0", "1", "6", "1"])
        #expect(rows[0].values == [1, 2])
        #expect(rows[1].problem == "column 2 ('x') is not a number")
        #expect(rows[2].problem == "expected 3 columns, found 2")
        #expect(rows[3].timestamp - rows[0].timestamp == 30_000_000_000)
    }

    @Test func readsCRLFAndCRLineEnds() throws {
        for text in ["timestamp,value\r\n2014-04-01 00:00:00,1\r\n2014-04-01 00:05:00,2\r\n",
                     "timestamp,value\r2014-04-01 00:00:00,1\r2014-04-01 00:05:00,2\r"] {
            let (_, rows) = try ReplayInput.read(text: text, format: .nab, step: 0)
            #expect(rows.map(\.values) == [[1], [2]])
            #expect(rows.map(\.line) == [2, 3])
        }
    }

    @Test func refusesAnEmptyOrShapelessFile() {
        #expect(throws: ReplayInput.Failure.self) { try ReplayInput.read(text: "", format: .nab, step: 0) }
        #expect(throws: ReplayInput.Failure.self) { try ReplayInput.read(text: "a,b,c\n", format: .nab, step: 0) }
    }
}

@Suite struct ReplayTests {
    let dir: String
    let plugin: String

    init() throws {
        dir = try TestPaths.makeTemporaryDirectory("replay")
        plugin = "\(dir)/test-detector.so"
        try CPlugin.compile(CPlugin.fixture("test-detector.c"), to: plugin)
    }

    func run(_ csv: String, format: ReplayFormat = .nab, config: String, fitAll: Bool = false, strict: Bool = false) throws -> (lines: [String], warnings: [String], summary: Replay.Summary) {
        let input = "\(dir)/input.csv"
        try csv.write(toFile: input, atomically: true, encoding: .utf8)
        var options = Replay.Options(plugin: plugin, inputPath: input)
        options.configJSON = config
        options.format = format
        options.fitAll = fitAll
        options.strict = strict
        var lines: [String] = []
        var warnings: [String] = []
        let summary = try Replay(options: options).run(emit: { lines.append($0) }, warn: { warnings.append($0) })
        return (lines, warnings, summary)
    }

    @Test func writesOneRowPerInputRowWithScoreAndAlert() throws {
        let csv = """
            timestamp,value
            2014-04-01 00:00:00,1
            2014-04-01 00:05:00,5
            2014-04-01 00:10:00,oops
            2014-04-01 00:15:00,6
            2014-04-01 00:20:00,2
            2014-04-01 00:25:00,8

            """
        let (lines, warnings, summary) = try run(csv, config: #"{"threshold":4,"score":true}"#)
        #expect(lines == [
            "timestamp,value,score,alert",
            "2014-04-01 00:00:00,1,0.25,0",
            "2014-04-01 00:05:00,5,1.0,1",
            "2014-04-01 00:10:00,oops,,0",
            "2014-04-01 00:15:00,6,1.0,0",
            "2014-04-01 00:20:00,2,0.5,0",
            "2014-04-01 00:25:00,8,1.0,1",
        ])
        #expect(warnings == ["\(dir)/input.csv:4: value 'oops' is not a number"])
        #expect(summary.rows == 6 && summary.badRows == 1 && summary.alerts == 2 && summary.scored == 5)
    }

    @Test func strictStopsAtTheFirstBadRow() throws {
        #expect(throws: Replay.Failure.self) {
            try run("timestamp,value\n2014-04-01 00:00:00,1\nnot,a,row\n", config: "{}", strict: true)
        }
    }

    @Test func fitAllFeedsTheInputTwiceAndTellsTheDetectorHowManyRows() throws {
        let out = "\(dir)/count.out"
        let csv = "f0,f1,label\n1,2,0\n3,4,0\n5,6,1\n"
        let (lines, _, _) = try run(csv, format: .odds, config: #"{"out":"\#(out)","score":true,"threshold":10}"#, fitAll: true)
        #expect(lines == ["row,label,score,alert", "0,0,0.2,0", "1,0,0.4,0", "2,1,0.6,0"])
        let counted = try String(contentsOfFile: out, encoding: .utf8).split(separator: " ").first.map(String.init)
        #expect(counted == "12", "3 rows × 2 features, fed twice")
    }

    @Test func aCollectorIsNotADetector() throws {
        let collector = "\(dir)/collector-example.so"
        try CPlugin.compile(CPlugin.example, to: collector)
        try "timestamp,value\n2014-04-01 00:00:00,1\n".write(toFile: "\(dir)/in.csv", atomically: true, encoding: .utf8)
        let replay = Replay(options: Replay.Options(plugin: collector, inputPath: "\(dir)/in.csv"))
        #expect(throws: Replay.Failure.self) { try replay.run(emit: { _ in }, warn: { _ in }) }
    }
}
