import Foundation
import Testing

/// The admin's workflow against a running nazard: `nazarctl status`, `plugins list`,
/// `plugins disable|enable` editing plugins.d and reloading the daemon.
@Suite(.serialized) struct NazarctlTests {
    func nazarctl(_ args: [String]) throws -> (Int32, String) { try runNazarctl(args) }

    @Test func statusListDisableEnable() throws {
        let dir = try TestPaths.makeTemporaryDirectory("nazarctl")
        let config = try writeConfig(in: dir, plugins: [
            "collector-system": "plugin = \"collector-system\"\ninterval = \"1s\"\n",
            "notifier-log": "# log alerts\nplugin = \"notifier-log\"\nsubscribe = [\"alerts.#\"]\n",
        ])
        let run = "\(dir)/run"
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "stderr", "--runtime-dir", run])
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match != nil)

        let (code, status) = try nazarctl(["status", "--runtime-dir", run])
        #expect(code == 0, "\(status)")
        #expect(status.contains("nazard running (pid \(nazard.process.processIdentifier))"))
        #expect(status.contains("2 instances running"))
        #expect(status.range(of: #"notifier-log\s+notifier-log\s+notifier\s+running"#, options: .regularExpression) != nil, "\(status)")

        let (dcode, disabled) = try nazarctl(["plugins", "disable", "notifier-log", "--config", config, "--runtime-dir", run])
        #expect(dcode == 0, "\(disabled)")
        #expect(disabled.contains("reloading nazard"))
        let file = try String(contentsOfFile: "\(dir)/plugins.d/notifier-log.toml", encoding: .utf8)
        #expect(file == "# log alerts\nplugin = \"notifier-log\"\nenabled = false\nsubscribe = [\"alerts.#\"]\n")
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") && $0.contains("1 instance running, 1 disabled") }.match != nil)

        let (_, list) = try nazarctl(["plugins", "list", "--config", config, "--runtime-dir", run])
        #expect(list.range(of: #"notifier-log\s+notifier-log\s+disabled"#, options: .regularExpression) != nil, "\(list)")
        #expect(list.range(of: #"collector-system\s+collector-system\s+collector\s+running"#, options: .regularExpression) != nil, "\(list)")

        let (ecode, enabled) = try nazarctl(["plugins", "enable", "notifier-log", "--config", config, "--runtime-dir", run])
        #expect(ecode == 0, "\(enabled)")
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") && $0.contains("2 instances running") }.match != nil)

        let (ucode, unknown) = try nazarctl(["plugins", "disable", "nope", "--config", config, "--runtime-dir", run])
        #expect(ucode == 1)
        #expect(unknown.contains("no plugin instance named 'nope'"))
        #expect(nazard.stop() == 0)
        let (scode, _) = try nazarctl(["status", "--runtime-dir", run])
        #expect(scode == 3, "not running after stop")
    }
}
