import Foundation
import Host
import Testing

/// detector-ewma through `nazarctl replay`'s engine (the real loader, C ABI and bus):
/// what NAB scoring sees, including the rows a detector must not choke on.
@Suite("detector-ewma under replay")
struct ReplayEWMATests {
    func writeCSV(_ lines: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "nazar-replay-ewma-\(UUID().uuidString).csv"
        try (["timestamp,value"] + lines).joined(separator: "\n").appending("\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func stamp(_ i: Int) -> String {
        let minutes = i * 5
        return String(format: "2020-01-%02d %02d:%02d:00", 1 + minutes / 1440, (minutes / 60) % 24, minutes % 60)
    }

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
            lines.append("\(stamp(i)),\(value)")
        }
        let path = try writeCSV(lines)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = Replay.Options(plugin: "detector-ewma", inputPath: path)
        options.pluginDirectories = [PluginLibrary.buildProducts]
        options.strictPermissions = false  // the build tree's modes are the builder's umask, not under test here
        options.configJSON = #"{"rules":[{"name":"nab","metric":"value","warmup":100}]}"#
        var output: [String] = []
        var warnings: [String] = []
        let summary = try Replay(options: options).run(emit: { output.append($0) }, warn: { warnings.append($0) })
        #expect(summary.rows == 300 && summary.badRows == 1 && summary.alerts == 1)
        let rows = output.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
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
        let path = try writeCSV((0..<10).map { "\(stamp($0)),1" })
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = Replay.Options(plugin: "detector-ewma", inputPath: path)
        options.pluginDirectories = [PluginLibrary.buildProducts]
        options.strictPermissions = false  // the build tree's modes are the builder's umask, not under test here
        options.configJSON = #"{"rules":[{"name":"nab","metric":"value"}]}"#
        options.fitAll = true
        #expect { _ = try Replay(options: options).run(emit: { _ in }, warn: { _ in }) } throws: { error in
            "\(error)".contains("'fit_rows': unknown key")
        }
    }
}
