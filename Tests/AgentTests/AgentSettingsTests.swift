import Foundation
import Testing
@testable import Agent
@testable import Host

/// `[agent]` in nazar.toml: defaults, every key, and bad values named by file and line.
@Suite struct AgentSettingsTests {
    func write(_ text: String) throws -> String {
        var template = Array("/tmp/nazar-agentcfg-XXXXXX".utf8CString)
        let dir = String(cString: try #require(template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }))
        try text.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        return "\(dir)/nazar.toml"
    }

    func load(_ text: String) throws -> LoadedConfig { try ConfigLoader.load(path: try write(text)) }

    /// Every diagnostic of a nazar.toml (check does not stop at the first error).
    func errors(_ text: String) throws -> [String] {
        ConfigLoader.check(path: try write(text)).diagnostics.filter(\.isError).map(\.description)
    }

    @Test func everyKeyIsRead() throws {
        let c = try load("""
            [agent]
            forward_to = "https://central:8428/"
            key_file = "agent.key"
            batch_points = 1000
            flush_interval = "250ms"
            buffer_directory = "/var/tmp/buf"
            buffer_max_bytes = 1048576
            timeout = "3s"
            retry_min = "1s"
            retry_max = "2m"
            """)
        let a = c.daemon.agent
        #expect(a.forwardTo == "https://central:8428")
        #expect(a.keyFile?.hasSuffix("/agent.key") == true)
        #expect(a.batchPoints == 1000 && a.flushInterval == .milliseconds(250) && a.bufferMaxBytes == 1 << 20)
        #expect(a.bufferPath(stateDirectory: "/x") == "/var/tmp/buf")
        #expect(a.retryMin == .seconds(1) && a.retryMax == .seconds(120) && a.timeout == .seconds(3))
        #expect(c.diagnostics.filter(\.isError).isEmpty)
        #expect(try load("").daemon.agent == .defaults)
        #expect(AgentSettings.defaults.bufferPath(stateDirectory: "/var/lib/nazar") == "/var/lib/nazar/agent-buffer")
    }

    @Test func badValuesAreNamedByLineAndKey() throws {
        let errors = try errors("""
            [agent]
            forward_to = "central:8428"
            batch_points = 0
            retry_min = "5s"
            retry_max = "1s"
            colour = "blue"
            """)
        #expect(errors.contains { $0.contains(":2") && $0.contains("'central:8428' is not an http:// or https:// URL") }, "\(errors)")
        #expect(errors.contains { $0.contains(":3") && $0.contains("batch_points") }, "\(errors)")
        #expect(errors.contains { $0.contains("retry_max is shorter than retry_min") }, "\(errors)")
        #expect(errors.contains { $0.contains("colour") }, "\(errors)")
        #expect(try self.errors("[agent]\nforward_to = \"http://c:8428\"\n").contains { $0.contains("forward_to needs key_file") })
    }

    @Test func keyFileProblemsNameTheFile() throws {
        var template = Array("/tmp/nazar-agentkey-XXXXXX".utf8CString)
        let dir = String(cString: try #require(template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }))
        try "\n".write(toFile: "\(dir)/empty", atomically: true, encoding: .utf8)
        #expect(throws: AgentError(message: "[agent] key_file \(dir)/empty:1: empty (expected an ingest API key)")) {
            try AgentForwarder.readKey("\(dir)/empty")
        }
        #expect(throws: AgentError(message: "[agent] key_file \(dir)/missing: No such file or directory")) {
            try AgentForwarder.readKey("\(dir)/missing")
        }
        try "  nzr_abc \r\nsecond line\n".write(toFile: "\(dir)/key", atomically: true, encoding: .utf8)
        #expect(try AgentForwarder.readKey("\(dir)/key") == "nzr_abc")
    }
}
