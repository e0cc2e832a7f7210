import Foundation
import Testing

/// Agent mode with two real nazards on loopback: an agent with only the system collector
/// and `[agent] forward_to`, and a central one with storage and the HTTP API. Points reach
/// the central store; while the central one is down the agent buffers on disk (STATUS
/// says so), and after it returns every point of the outage arrives, exactly once.
@Suite(.serialized) struct AgentForwardingTests {
    func cpuSeries(_ central: HTTPNazard) throws -> Int? {
        let s = try central.json("/api/v1/series?match=%7Bhost%3D%22agent1%22%2C__name__%3D%22cpu.total%22%2Ccore%3D%22%22%7D")
        return (s["series"] as? [[String: Any]])?.first?["id"] as? Int
    }

    func summary(_ n: HTTPNazard) -> String {
        let r = try? LoopbackHTTP.request(port: n.port, "/readyz")
        let obj = r.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any] }
        return obj?["summary"] as? String ?? ""
    }

    func wait(_ what: String, timeout: TimeInterval = 30, _ ok: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? ok()) == true { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    @Test func outageIsBufferedOnDiskAndReplayedExactlyOnce() throws {
        let central = try HTTPNazard(tag: "central", collector: false)
        defer { central.stop() }
        let key = try central.addKey(name: "agent1", scopes: ["ingest"])
        let keyFile = "\(central.dir)/agent1.key"
        try "\(key)\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let agent = try HTTPNazard(tag: "agent", interval: "500ms", extraConfig: """
            [storage]
            backend = "none"
            [agent]
            forward_to = "\(central.base)"
            key_file = "\(keyFile)"
            flush_interval = "200ms"
            retry_min = "100ms"
            retry_max = "1s"
            timeout = "2s"
            """, hostname: "agent1")
        defer { agent.stop() }

        var series: Int?
        try wait("the agent's points in the central store") {
            series = try cpuSeries(central)
            return series != nil
        }
        let id = try #require(series)
        #expect(summary(agent).contains("agent forwarding to \(central.base)"), "\(summary(agent))")

        // Outage: the agent keeps collecting and buffers on disk.
        let outageStart = Int64(Date().timeIntervalSince1970 * 1e9)
        central.stop()
        try wait("STATUS to say buffering", timeout: 20) { summary(agent).contains("agent buffering") }
        Thread.sleep(forTimeInterval: 3)
        let buffered = summary(agent)
        #expect(buffered.contains("agent buffering"), "\(buffered)")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(agent.dir)/state/agent-buffer").filter { $0.hasSuffix(".gz") }
        #expect(!files.isEmpty, "batches wait on disk")

        try central.startAgain()
        // "forwarding" comes back with the first batch sent; the buffer drains after it.
        try wait("the agent to drain its buffer", timeout: 30) {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(agent.dir)/state/agent-buffer")) ?? []
            return summary(agent).contains("agent forwarding") && !left.contains { $0.hasSuffix(".gz") }
        }
        // Stop collecting, then count once the central has stored the outage's rounds (its
        // storage writer commits in batches: under load the tail lands a little later).
        _ = agent.process.stop()
        // Timestamps are ns: NSNumber, as a Double would not be exact.
        func samples(_ doc: [String: Any]) -> [(Int64, Int64)] {
            (((doc["series"] as? [[String: Any]])?.first?["points"] as? [[NSNumber]]) ?? []).map { ($0[0].int64Value, $0[1].int64Value) }
        }
        func rounds() throws -> [(Int64, Int64)] {
            samples(try central.json("/api/v1/query?series=\(id)&from=-10m&to=now&step=500ms&agg=count&tier=raw"))
        }
        try? wait("the outage's rounds in the central store", timeout: 20) {
            (try rounds().last?.0 ?? 0) >= outageStart + 3_000_000_000
        }
        Thread.sleep(forTimeInterval: 1)
        let q = try central.json("/api/v1/query?series=\(id)&from=-10m&to=now&step=10m&agg=count&tier=raw")
        let total = samples(q).map(\.1).reduce(0, +)
        let stamps = try rounds()
        let first = try #require(stamps.first?.0, "no points stored"), last = try #require(stamps.last?.0)
        let expected = Int((Double(last - first) / 5e8).rounded()) + 1
        // One point per collector round from the first to the last: nothing of the outage
        // was lost, and no round arrived twice.
        #expect(Int(total) == expected, "stored \(Int(total)) points for \(expected) rounds")
        #expect(stamps.allSatisfy { $0.1 == 1 }, "a round with more than one point: \(stamps.filter { $0.1 != 1 })")
        // The stored rounds reach from before the outage to at least the 3 s it surely lasted
        // (a count of rounds alone was borderline on a loaded machine).
        #expect(first < outageStart && last >= outageStart + 3_000_000_000,
                "stored rounds \(first)...\(last) cover the outage from \(outageStart) for 3 s")
    }

    @Test func aMissingKeyFileStopsTheAgentWithTheFileNamed() throws {
        let dir = try TestPaths.makeTemporaryDirectory("agent-badkey")
        let config = try writeConfig(in: dir, plugins: [:])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        handle.seekToEndOfFile()
        handle.write(Data("\n[http]\nlisten = \"\"\n[agent]\nforward_to = \"http://127.0.0.1:9\"\nkey_file = \"\(dir)/nokey\"\n".utf8))
        try handle.close()
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "stderr"])
        nazard.process.waitUntilExit()
        #expect(nazard.process.terminationStatus == 78)
        #expect(nazard.stderrText.contains("[agent] key_file \(dir)/nokey"), "\(nazard.stderrText)")
    }
}
