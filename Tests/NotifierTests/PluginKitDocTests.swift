import Foundation
import Testing

/// docs/writing-a-notifier.md, executed: install the kit into a temporary prefix, build
/// the documented C notifier out of tree with the documented command, install it into a
/// plugin directory, enable it with the documented plugins.d file and watch an alert
/// arrive at a webhook stand-in through a real nazard.
@Suite struct PluginKitDocTests {
    static let document = "\(TestPaths.repository)/docs/writing-a-notifier.md"

    /// Fenced blocks whose info string has a second word ("```c notifier-webhook.c"),
    /// by that word.
    static func taggedBlocks(_ markdown: String) -> [String: String] {
        var blocks: [String: String] = [:]
        var current: (tag: String, lines: [String])?
        for line in markdown.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                if let c = current {
                    blocks[c.tag] = c.lines.joined(separator: "\n") + "\n"
                    current = nil
                } else {
                    let words = line.dropFirst(3).split(separator: " ")
                    current = (words.count >= 2 ? String(words[1]) : "", [])
                }
            } else if current != nil {
                current!.lines.append(line)
            }
        }
        blocks.removeValue(forKey: "")
        return blocks
    }

    /// Runs a documented shell line. Only two things change: `sudo` is dropped (tests
    /// run as the owner of the temporary tree) and `/usr/local` becomes `prefix`.
    func shell(_ line: String, in dir: String, prefix: String, env: [String: String] = [:]) throws {
        var command = line.trimmingCharacters(in: .whitespaces)
        if command.hasPrefix("sudo ") { command.removeFirst(5) }
        command = command.replacingOccurrences(of: "/usr/local", with: prefix)
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        let (status, output) = try runTool("/bin/sh", ["-ec", command], environment: environment, directory: dir)
        guard status == 0 else { throw TestFailure("`\(command)` failed (\(status)): \(output)") }
    }

    @Test func theDocumentedWebhookNotifierBuildsOutOfTreeAndDeliversAnAlert() throws {
        let markdown = try String(contentsOfFile: Self.document, encoding: .utf8)
        let blocks = Self.taggedBlocks(markdown)
        let source = try #require(blocks["notifier-webhook.c"], "the document shows the C file in full")
        let install = try #require(blocks["install"]?.split(separator: "\n").first.map(String.init))
        let build = try #require(blocks["build"]?.split(separator: "\n").first.map(String.init))
        let installPlugin = try #require(blocks["install-plugin"]?.split(separator: "\n").first.map(String.init))
        let enable = try #require(blocks["plugins.d/webhook.toml"])
        #expect(build.hasPrefix("cc -shared -fPIC") && build.contains("$(pkg-config --cflags nazar-plugin)"))

        let dir = try TestPaths.makeTemporaryDirectory("kit")
        let prefix = "\(dir)/prefix"
        let src = "\(dir)/src"  // outside the repository: only the installed header is visible
        mkdir(src, 0o755)
        try shell(install, in: TestPaths.repository, prefix: prefix)
        #expect(FileManager.default.fileExists(atPath: "\(prefix)/include/nazar/plugin.h"))
        let pc = try String(contentsOfFile: "\(prefix)/lib/pkgconfig/nazar-plugin.pc", encoding: .utf8)
        #expect(pc.contains("prefix=\(prefix)\n") && pc.contains("Version: 1.0"))

        try source.write(toFile: "\(src)/notifier-webhook.c", atomically: true, encoding: .utf8)
        try shell(build, in: src, prefix: prefix, env: ["PKG_CONFIG_PATH": "\(prefix)/lib/pkgconfig"])
        try shell(installPlugin, in: src, prefix: prefix)
        let pluginDir = "\(prefix)/lib/nazar/plugins"
        #expect(FileManager.default.fileExists(atPath: "\(pluginDir)/notifier-webhook.so"))

        // Something to notify about: the C example collector and the test detector.
        mkdir("\(dir)/lib", 0o755)
        try compileCPlugin("Plugins/examples/collector-example.c", to: "\(dir)/lib/collector-example.so")
        try compileCPlugin("Tests/HostTests/Fixtures/test-detector.c", to: "\(dir)/lib/test-detector.so")
        let standIn = try HTTPStandIn(dir: dir, responses: [#"{"status": 503, "headers": {"Retry-After": "1"}}"#])
        let webhookFile = enable.replacingOccurrences(of: "https://hooks.example.org/nazar", with: "\(standIn.baseURL)/nazar")
        #expect(webhookFile != enable, "the documented file has the example URL")
        let nazard = try NazardRun(dir: dir, pluginDirs: [pluginDir, "\(dir)/lib"], plugins: [
            "example": "plugin = \"collector-example\"\ninterval = \"100ms\"\n[config]\nbase = 0.0\nstep = 1.0\n",
            "detector": "plugin = \"test-detector\"\nsubscribe = [\"metrics.itest.example.value\"]\n[config]\nthreshold = 3.0\n",
            "webhook": webhookFile,
        ])

        #expect(eventually(timeout: .seconds(20)) { standIn.requests().count >= 2 }, "log: \(nazard.log)")
        let requests = standIn.requests()
        try #require(requests.count >= 2)
        #expect(requests[0].path == "/nazar")
        #expect(requests[1].time - requests[0].time >= 0.95, "the 503's Retry-After was passed to the host")
        let alert = requests[1].json
        #expect(alert["rule"] as? String == "value_high")
        #expect(alert["severity"] as? String == "critical")
        #expect(alert["state"] as? String == "firing")
        #expect(alert["summary"] as? String == "example.value 4.0 > 3.0")
        #expect(alert["value"] as? Double == 4.0)
        #expect((alert["labels"] as? [String: String])?["host"] == "itest")
        #expect((alert["fingerprint"] as? String)?.count == 16)
        #expect(alert["source"] as? String == "detector")
        #expect(nazard.log.contains("webhook answered HTTP 503"), "\(nazard.log)")
    }

    @Test func theDocumentedNotifierRejectsABadURLNamingTheKey() throws {
        let blocks = Self.taggedBlocks(try String(contentsOfFile: Self.document, encoding: .utf8))
        let source = try #require(blocks["notifier-webhook.c"])
        let dir = try TestPaths.makeTemporaryDirectory("kit")
        try source.write(toFile: "\(dir)/notifier-webhook.c", atomically: true, encoding: .utf8)
        let (status, out) = try runTool("/usr/bin/cc", ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror",
                                                       "-I", "\(TestPaths.repository)/Sources/PluginAPI/include",
                                                       "-o", "\(dir)/notifier-webhook.so", "\(dir)/notifier-webhook.c", "-lcurl"])
        try #require(status == 0, "\(out)")
        for (config, expected) in [("{}", "config key 'url': missing"),
                                   ("{\"url\":\"ftp://x\"}", "config key 'url': expected an http(s) URL"),
                                   ("{\"timeout_ms\":5,\"url\":\"http://x\"}", "config key 'timeout_ms': expected an integer from 100 to 300000")] {
            let n = try LoadedNotifier(path: "\(dir)/notifier-webhook.so")
            let result = n.create(config)
            #expect(result.isPermanent && result.message == expected, "\(config): \(result.message)")
        }
    }
}
