import Testing

/// detector-context through `nazarctl replay`'s engine (the real loader, C ABI and bus).
@Suite("detector-context under replay")
struct ReplayContextTests {
    @Test("one alert for one unfamiliar pattern, a score for every good row, bad rows kept aligned")
    func nabStyleReplay() throws {
        let lines = (0..<300).map { i -> String in
            let value: String
            switch i {
            case 250: value = "45"
            case 270: value = "nan"
            case 271: value = "not-a-number"
            default: value = String([10.0, 30, 70, 30][i % 4])
            }
            return "\(ReplayRun.stamp(i)),\(value)"
        }
        let run = try ReplayRun(plugin: "detector-context", config: #"{"rules":[{"name":"nab","metric":"value","warmup":45}]}"#,
                                lines: lines)
        #expect(run.summary.rows == 300 && run.summary.badRows == 1 && run.summary.alerts == 1)
        #expect(run.rows.count == 300)
        #expect(run.rows.enumerated().filter { $0.element[3] == "1" }.map(\.offset) == [250])
        let scores = run.rows.map { Double($0[2]) }
        #expect(scores[250].map { $0 >= 0.75 } == true)
        #expect(scores[270] == nil && scores[271] == nil)
        #expect(scores.enumerated().allSatisfy { i, s in [270, 271].contains(i) || (s.map { $0 >= 0 && $0 <= 1 } ?? false) })
        #expect(run.warnings.contains { $0.contains(":273:") })  // the unparsable row, by file line
    }
}
