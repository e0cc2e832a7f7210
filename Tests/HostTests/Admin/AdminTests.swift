import Foundation
import Testing
@testable import Host

@Suite struct PluginsDEditorTests {
    @Test func replacesTheTopLevelEnabledLineKeepingItsComment() {
        let text = "# CPU\nplugin = \"collector-system\"\nenabled = true   # on by default\ninterval = \"10s\"\n[config]\nenabled = true\n"
        #expect(PluginsDEditor.setEnabled(false, in: text)
            == "# CPU\nplugin = \"collector-system\"\nenabled = false # on by default\ninterval = \"10s\"\n[config]\nenabled = true\n")
    }

    @Test func addsTheLineAfterPluginWhenMissingAndNeverTouchesTables() {
        let text = "plugin = \"x\"\n[config]\nenabled = true\n"
        #expect(PluginsDEditor.setEnabled(false, in: text) == "plugin = \"x\"\nenabled = false\n[config]\nenabled = true\n")
        #expect(PluginsDEditor.setEnabled(true, in: "[config]\na = 1\n") == "enabled = true\n[config]\na = 1\n")
    }
}

@Suite struct StatusFileTests {
    @Test func roundTripsAndReportsALivePID() throws {
        let dir = try TestPaths.makeTemporaryDirectory("status")
        let file = StatusFile(directory: dir)
        let status = DaemonStatus(pid: getpid(), phase: "running", configPath: "/etc/nazar/nazar.toml",
                                  summary: "2 instances running", updatedAt: 1_700_000_000_000_000_000,
                                  instances: [.init(name: "a \"quoted\" one", plugin: "p", kind: "collector", state: "running",
                                                    pointsPublished: 42, pointsDelivered: 0, dropped: 1)])
        try file.write(status)
        try file.writePID(getpid())
        #expect(try file.read() == status)
        #expect(file.runningPID() == getpid())
        try file.writePID(999_999)
        #expect(file.runningPID() == nil, "a pid file naming a dead process is stale")
        file.removeFiles()
        #expect(throws: StatusFile.Failure.self) { try file.read() }
    }
}
