import Foundation
import Host
import Testing

/// detector-context through `nazarctl replay`'s engine (the real loader, C ABI and bus).
@Suite("detector-context under replay")
struct ReplayContextTests {
    func stamp(_ i: Int) -> String {
        let minutes = i * 5
        return String(format: "2020-01-%02d %02d:%02d:00", 1 + minutes / 1440, (minutes / 60) % 24, minutes % 60)
    }

    @Test("one alert for one unfamiliar pattern, a score for every good row, bad rows kept aligned")
    func nabStyleReplay() throws {
        var lines = ["timestamp,value"]
        for i in 0..<300 {
            let value: String
            switch i {
            case 250: value = "45"
            case 270: value = "nan"
            case 271: value = "not-a-number"
            default: value = String([10.0, 30, 70, 30][i % 4])
            }
            lines.append("\(stamp(i)),\(value)")
        }
        let path = NSTemporaryDirectory() + "nazar-replay-context-\(UUID().uuidString).csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = Replay.Options(plugin: "detector-context", inputPath: path)
        options.pluginDirectories = [PluginLibrary.buildProducts]
        options.strictPermissions = false  // the build tree's modes are the builder's umask, not under test here
        options.configJSON = #"{"rules":[{"name":"nab","metric":"value","warmup":45}]}"#
        var output: [String] = []
        var warnings: [String] = []
        let summary = try Replay(options: options).run(emit: { output.append($0) }, warn: { warnings.append($0) })
        #expect(summary.rows == 300 && summary.badRows == 1 && summary.alerts == 1)
        let rows = output.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 300)
        #expect(rows.enumerated().filter { $0.element[3] == "1" }.map(\.offset) == [250])
        let scores = rows.map { Double($0[2]) }
        #expect(scores[250].map { $0 >= 0.75 } == true)
        #expect(scores[270] == nil && scores[271] == nil)
        #expect(scores.enumerated().allSatisfy { i, s in [270, 271].contains(i) || (s.map { $0 >= 0 && $0 <= 1 } ?? false) })
        #expect(warnings.contains { $0.contains(":273:") })  // the unparsable row, by file line
    }
}
