import Testing

/// detector-ewma through `nazarctl replay`'s engine (the real loader, C ABI and bus):
/// what NAB scoring sees, including the rows a detector must not choke on.
@Suite("detector-ewma under replay")
struct ReplayEWMATests {
    @Test("one alert for one spike, a score for every good row, bad and non-finite rows kept aligned")
    func nabStyleReplay() throws {
        var lines: [String] = []
        for i in 0..<300 {
            let value: String
            switch i {
            case 250: value = "95"
            case 260: value = "nan"
            case 261: value = "inf"
            case 262: value = "not-a-number"
            default: value = String(50 + [1.0, -1, 0.5, -0.5, 1.5, -1.5, 0, 0.8][i % 8])
            }
            lines.append("\(ReplayRun.stamp(i)),\(value)")
        }
        let run = try ReplayRun(plugin: "detector-ewma", config: #"{"rules":[{"name":"nab","metric":"value","warmup":100}]}"#,
                                lines: lines)
        let (summary, rows, warnings) = (run.summary, run.rows, run.warnings)
        #expect(summary.rows == 300 && summary.badRows == 1 && summary.alerts == 1)
        #expect(rows.count == 300)
        let alertRows = rows.enumerated().filter { $0.element[3] == "1" }.map(\.offset)
        #expect(alertRows == [250])
        let scores = rows.map { Double($0[2]) }
        #expect(scores[250].map { $0 > 0.5 } == true)
        #expect(scores[260] == nil && scores[261] == nil && scores[262] == nil)
        #expect(scores.enumerated().allSatisfy { i, s in [260, 261, 262].contains(i) || (s.map { $0 >= 0 && $0 <= 1 } ?? false) })
        #expect(warnings.contains { $0.contains(":264:") })  // the unparsable row, by file line
    }

    @Test("--fit-all is refused: an online model has nothing to fit first")
    func fitAllRefused() throws {
        #expect { _ = try ReplayRun(plugin: "detector-ewma", config: #"{"rules":[{"name":"nab","metric":"value"}]}"#,
                                    lines: (0..<10).map { "\(ReplayRun.stamp($0)),1" }, fitAll: true) } throws: { error in
            "\(error)".contains("'fit_rows': unknown key")
        }
    }
}
