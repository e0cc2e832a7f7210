import Foundation
import Host

/// A detector as SwiftPM built it, run by `nazarctl replay`'s engine (the real loader, C
/// ABI and bus) over a NAB-style CSV written from `lines` (header added).
struct ReplayRun {
    var summary: Replay.Summary
    /// Output rows without the header, split into fields.
    var rows: [[String]]
    var warnings: [String]

    init(plugin: String, config: String, lines: [String], fitAll: Bool = false) throws {
        let path = NSTemporaryDirectory() + "nazar-replay-\(plugin)-\(UUID().uuidString).csv"
        try (["timestamp,value"] + lines).joined(separator: "\n").appending("\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = Replay.Options(plugin: plugin, inputPath: path)
        options.pluginDirectories = [TestPaths.buildProducts]
        options.strictPermissions = false  // the build tree's modes are the builder's umask, not under test here
        options.configJSON = config
        options.fitAll = fitAll
        var output: [String] = []
        var warnings: [String] = []
        summary = try Replay(options: options).run(emit: { output.append($0) }, warn: { warnings.append($0) })
        rows = output.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        self.warnings = warnings
    }

    /// `YYYY-MM-DD HH:MM:SS` of the i-th 5-minute step from 2020-01-01.
    static func stamp(_ i: Int) -> String {
        let minutes = i * 5
        return String(format: "2020-01-%02d %02d:%02d:00", 1 + minutes / 1440, (minutes / 60) % 24, minutes % 60)
    }
}
