import Foundation
import Testing
@testable import Host

/// Scale-out with real processes: an agent nazard that only collects and publishes, a
/// central nazard that only detects, one broker between them. The central's detector is
/// a C recorder that appends every point's sequence number to a file before on_points
/// returns, so what it saw survives a SIGKILL.
@Suite(.serialized) struct NazardScaleOutTests {
    /// Sequence numbers in the recorder's file: (distinct, duplicates, missing below n).
    func recorded(_ path: String, expecting n: Int) -> (distinct: Int, duplicates: Int, missing: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return (0, 0, n) }
        var seen = [UInt8](repeating: 0, count: n)
        var distinct = 0, duplicates = 0
        data.withUnsafeBytes { raw in
            for k in 0..<(raw.count / 8) {
                let v = Int(raw.loadUnaligned(fromByteOffset: k * 8, as: Int64.self))
                guard v >= 0 && v < n else { continue }
                if seen[v] == 0 { distinct += 1 } else { duplicates += 1 }
                seen[v] = 1
            }
        }
        return (distinct, duplicates, n - distinct)
    }

    @Test func agentPublishesCentralRecordsAndAKilledCentralLosesNothing() throws {
        guard TestBroker.available() else { return }
        let run = TestBroker.runID()
        let dir = try TestPaths.makeTemporaryDirectory("scale")
        mkdir("\(dir)/lib", 0o755)
        try BrokerDaemons.compile("bench/plugins/bench-collector.c", to: "\(dir)/lib/bench-collector.so")
        try BrokerDaemons.compile("Tests/IntegrationTests/Fixtures/recorder-detector.c", to: "\(dir)/lib/recorder-detector.so")
        let total = 300_000
        let out = "\(dir)/recorded.bin"
        let centralConfig = try BrokerDaemons.writeConfig("\(dir)/central", host: "central-\(run)", plugins: [
            "rec": """
                plugin = "\(dir)/lib/recorder-detector.so"
                subscribe = ["metrics.agent-\(run).#"]
                [config]
                out = "\(out)"
                """,
        ])
        let agentConfig = try BrokerDaemons.writeConfig("\(dir)/agent", host: "agent-\(run)", plugins: [
            "gen": """
                plugin = "\(dir)/lib/bench-collector.so"
                interval = "1h"
                [config]
                points = \(total)
                batch = 1000
                series = 10
                """,
        ])

        var central = try NazardProcess(config: centralConfig, dir: "\(dir)/central")
        let ready = central.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match ?? ""
        #expect(ready.contains("1 instance running"), "\(ready)")
        try TestBroker.waitForConsumer("nazar.central-\(run).rec")

        let agent = try NazardProcess(config: agentConfig, dir: "\(dir)/agent")
        #expect(agent.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match?.contains("bus") == true)

        // Kill the central while the stream is flowing through it.
        let killDeadline = ContinuousClock.now + .seconds(30)
        while recorded(out, expecting: total).distinct < total / 5 && ContinuousClock.now < killDeadline { usleep(5_000) }
        let beforeKill = recorded(out, expecting: total).distinct
        central.signal(SIGKILL)
        _ = central.stop()
        #expect(beforeKill > 0 && beforeKill < total, "killed mid-stream (\(beforeKill) of \(total) recorded)")

        // Its durable queue kept everything it had not acknowledged; a new central gets it.
        central = try NazardProcess(config: centralConfig, dir: "\(dir)/central")
        let deadline = ContinuousClock.now + .seconds(90)
        while recorded(out, expecting: total).distinct < total && ContinuousClock.now < deadline { usleep(100_000) }
        let r = recorded(out, expecting: total)
        print("scale-out: \(total) sent by the agent, killed the central at \(beforeKill), "
              + "\(r.distinct) distinct recorded, \(r.missing) lost, \(r.duplicates) redelivered duplicates")
        #expect(r.missing == 0)
        #expect(agent.stop() == 0)
        #expect(central.stop() == 0)
    }

    @Test func readyIsNotHeldByADownBrokerAndStatusSaysSpooling() throws {
        let run = TestBroker.runID()
        let dir = try TestPaths.makeTemporaryDirectory("scale")
        mkdir("\(dir)/lib", 0o755)
        try BrokerDaemons.compile("Plugins/examples/collector-example.c", to: "\(dir)/lib/collector-example.so")
        // Nothing listens on port 1.
        let config = try BrokerDaemons.writeConfig("\(dir)/agent", host: "agent-\(run)", url: "amqp://127.0.0.1:1", plugins: [
            "ex": "plugin = \"\(dir)/lib/collector-example.so\"\ninterval = \"100ms\"\n",
        ])
        let started = ContinuousClock.now
        let nazard = try NazardProcess(config: config, dir: "\(dir)/agent")
        let ready = nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }
        #expect(ready.match != nil)
        #expect(ContinuousClock.now - started < .seconds(5), "READY=1 did not wait for the broker")
        // The first connect may fail before READY=1 (then READY's STATUS= says so) or after
        // (then a STATUS= update follows).
        if ready.match?.contains("bus spooling") != true {
            let status = nazard.notify.wait(for: .seconds(10)) { $0.contains("bus spooling") }
            #expect(status.match != nil, "STATUS= says spooling; saw \(ready.match ?? "") then \(status.seen)")
        }
        // The collector's points are on disk, in the spool under the state directory.
        usleep(500_000)
        #expect(nazard.stop() == 0)
        let log = nazard.stderrText
        #expect(log.contains("nazar_event=bus_spooling"), "the log names the event: \(log.prefix(2000))")
        let spool = "\(dir)/agent/state/spool"
        let segments = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        #expect(segments.contains { $0.hasSuffix(".seg") }, "spool segments in \(spool): \(segments)")
    }
}
