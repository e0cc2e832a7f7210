import Foundation
import Logging
import Testing
@testable import Host

/// The RabbitMQ bus against a real rabbitmq-server (started by scripts/test): two buses
/// with separate series registries stand for two hosts, so everything a consumer sees
/// came over the wire.
@Suite(.serialized) struct RabbitMQBusTests {
    @Test func pointsFlowFromOneHostToAnotherWithNamesAndLabels() throws {
        guard TestBroker.available() else { return }
        let (run, agent, central) = try TestBroker.agentAndCentral()
        defer { agent.close(); central.close() }
        let queue = central.subscribePoints(name: "rec", patterns: [try BindingPattern("metrics.agent-\(run).#")])
        let recorder = PointRecorder(queue: queue, registry: central.registry)
        defer { recorder.stop() }
        try TestBroker.waitForConsumer(central.queueName(for: "rec"))

        let lost = try publishSequence(agent, metric: "cpu.usage", from: 0, count: 50_000, series: 8, batch: 1_000)
        #expect(lost == 0)
        #expect(recorder.wait(for: 50_000, timeout: .seconds(30)), "received \(recorder.distinct) of 50000")
        #expect(recorder.duplicates == 0)
        // The consumer interned the series into its own registry from the message's table.
        #expect(recorder.seriesSeen == Set((0..<8).map { "cpu.usage{core=\($0),host=agent-\(run)}" }))
        #expect(agent.state == .connected)
    }

    @Test func patternsRouteLikeTheEmbeddedBus() throws {
        guard TestBroker.available() else { return }
        let (_, agent, central) = try TestBroker.agentAndCentral()
        defer { agent.close(); central.close() }
        let memOnly = PointRecorder(queue: central.subscribePoints(name: "mem", patterns: [try BindingPattern("metrics.*.mem.#")]),
                                    registry: central.registry)
        defer { memOnly.stop() }
        try TestBroker.waitForConsumer(central.queueName(for: "mem"))
        _ = try publishSequence(agent, metric: "cpu.usage", from: 0, count: 100, series: 1, batch: 100)
        _ = try publishSequence(agent, metric: "mem.used", from: 100, count: 100, series: 1, batch: 100)
        #expect(memOnly.wait(for: 100, timeout: .seconds(10)))
        usleep(300_000)
        #expect(memOnly.distinct == 100)
        #expect(memOnly.missing(of: 200).count == 100, "exactly the cpu points are missing")
    }

    @Test func alertsTravelByTheirTopic() throws {
        guard TestBroker.available() else { return }
        let (run, agent, central) = try TestBroker.agentAndCentral()
        defer { agent.close(); central.close() }
        let alerts = central.subscribeAlerts(name: "notify", patterns: [try BindingPattern("alerts.critical.#")])
        try TestBroker.waitForConsumer(central.queueName(for: "notify", alerts: true))
        let alert = AlertEvent(rule: "disk_full_\(run)", severity: .critical, state: .firing, labels: [("host", "a"), ("mount", "/")],
                               summary: "disk / at 99%", value: 99, score: 1, timestamp: 42, startsAt: 41, source: "det")
        #expect(agent.publish(alert: alert) == 1)
        var warning = alert
        warning.severity = .warning
        #expect(agent.publish(alert: warning) == 1)
        let got = alerts.pop(untilMonotonicNanoseconds: monotonicNanoseconds() + 10_000_000_000)
        #expect(got == alert)
        #expect(alerts.pop(untilMonotonicNanoseconds: monotonicNanoseconds() + 500_000_000) == nil, "the warning is not routed here")
    }

    /// The storage writer subscribes to points and alerts under one name: subscribing the
    /// alerts must not stop the points' consumer (it once did, so stored nothing).
    @Test func oneSubscriberReceivesBothPointsAndAlerts() throws {
        guard TestBroker.available() else { return }
        let (run, agent, central) = try TestBroker.agentAndCentral()
        defer { agent.close(); central.close() }
        let all = try BindingPattern("#")
        let points = PointRecorder(queue: central.subscribePoints(name: "@both", patterns: [all]), registry: central.registry)
        defer { points.stop() }
        let alerts = central.subscribeAlerts(name: "@both", patterns: [all])
        try TestBroker.waitForConsumer(central.queueName(for: "@both"))
        try TestBroker.waitForConsumer(central.queueName(for: "@both", alerts: true))
        #expect(try publishSequence(agent, metric: "load", from: 0, count: 5_000, series: 2, batch: 500) == 0)
        let alert = AlertEvent(rule: "load_\(run)", severity: .warning, state: .firing, labels: [("host", "a")],
                               summary: "load high", value: 9, score: 1, timestamp: 7, startsAt: 7, source: "det")
        #expect(agent.publish(alert: alert) == 1)
        #expect(points.wait(for: 5_000, timeout: .seconds(20)), "received \(points.distinct) of 5000 points")
        #expect(alerts.pop(untilMonotonicNanoseconds: monotonicNanoseconds() + 10_000_000_000) == alert)
        // Unsubscribing ends both.
        central.unsubscribe(name: "@both")
        #expect(points.queue.isClosed)
    }

    /// An agent and a central bus on the test broker with fresh names and directories;
    /// the caller closes both.
    func agentCentralAndDirectory() throws -> (run: String, dir: String, agent: RabbitMQBus, central: RabbitMQBus) {
        let run = TestBroker.runID()
        let dir = try TestPaths.makeTemporaryDirectory("rmq")
        let agent = try TestBroker.bus(host: "agent-\(run)", dir: "\(dir)/agent")
        let central = try TestBroker.bus(host: "central-\(run)", dir: "\(dir)/central")
        return (run, dir, agent, central)
    }


    /// Found by scripts/soak: the storage writer never told its queue which points were
    /// written, so the broker consumer (which acks only completed points) stopped getting
    /// deliveries after `prefetch` unacknowledged messages: a central stored ~64,000 points
    /// and then nothing. 200 messages here, three times the prefetch.
    @Test func storageWriterOnTheBrokerKeepsConsumingPastThePrefetch() throws {
        guard TestBroker.available() else { return }
        let (_, dir, agent, central) = try agentCentralAndDirectory()
        defer { agent.close(); central.close() }
        let storage = StorageFactory.sqlite(path: "\(dir)/nazar.db")
        try storage.open()
        let writer = StorageWriter(storage: storage, bus: central,
                                   settings: StorageSettings(bufferPoints: 1_000_000, rollupInterval: .seconds(3600)),
                                   logger: Logger(label: "test"), writeBatch: 1_000)
        #expect(writer.start())
        try TestBroker.waitForConsumer(central.queueName(for: StorageWriter.subscriberName))
        #expect(try publishSequence(agent, metric: "disk.io", from: 0, count: 200_000, series: 4, batch: 1_000) == 0)
        let deadline = ContinuousClock.now + .seconds(60)
        while writer.counters.pointsWritten < 200_000 && ContinuousClock.now < deadline { usleep(50_000) }
        #expect(writer.counters.pointsWritten == 200_000)
        writer.stop()
    }

    @Test func badCredentialsAreAClearErrorAndPointsAreSpooled() throws {
        guard TestBroker.available() else { return }
        let run = TestBroker.runID()
        let dir = try TestPaths.makeTemporaryDirectory("rmq")
        let settings = RabbitMQSettings(urls: [TestBroker.url], vhost: TestBroker.vhost, timeout: .seconds(3))
        do throws(AMQPError) {
            let c = try AMQPConnection.open(TestBroker.endpoint, vhost: TestBroker.vhost,
                                            credentials: BrokerCredentials(user: TestBroker.user, password: "wrong"),
                                            settings: settings, confirms: true)
            c.close(polite: true)
            Issue.record("login with a wrong password succeeded")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.message.contains("user 'nazar'") && error.message.contains("vhost 'nazar-test'"), "\(error.message)")
        }
        // The bus keeps the points: refused credentials mean spooling, not loss.
        let agent = try TestBroker.bus(host: "agent-\(run)", dir: dir, password: "wrong")
        defer { agent.close() }
        #expect(try publishSequence(agent, metric: "cpu.usage", from: 0, count: 1_000, series: 1, batch: 100) == 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while agent.state != .authFailed && ContinuousClock.now < deadline { usleep(50_000) }
        #expect(agent.state == .authFailed)
        #expect(agent.selfMetrics.first { $0.0 == "nazar.bus.spooled_points" }?.1 == 1_000)
    }

    @Test func brokerStoppedAndRestartedMidStreamLosesNothing() throws {
        guard TestBroker.available() else { return }
        let (run, agent, central) = try TestBroker.agentAndCentral()
        defer { agent.close(); central.close() }
        let recorder = PointRecorder(queue: central.subscribePoints(name: "rec", patterns: [try BindingPattern("metrics.agent-\(run).#")]),
                                     registry: central.registry)
        defer { recorder.stop() }
        try TestBroker.waitForConsumer(central.queueName(for: "rec"))

        let total = 100_000
        nonisolated(unsafe) var lost = 0
        let producer = Thread {
            lost = (try? publishSequence(agent, metric: "net.bytes", from: 0, count: total, series: 16, batch: 250,
                                         pause: .milliseconds(20))) ?? -1
        }
        producer.start()
        usleep(1_000_000)
        try TestBroker.script("stop-rabbitmq")
        usleep(1_500_000)
        let spooledWhileDown = agent.selfMetrics.first { $0.0 == "nazar.bus.spooled_points" }?.1 ?? 0
        try TestBroker.script("start-rabbitmq")
        while !producer.isFinished { usleep(50_000) }
        #expect(lost == 0)
        #expect(spooledWhileDown > 0, "points went to the spool while the broker was away")
        #expect(recorder.wait(for: total, timeout: .seconds(60)), "received \(recorder.distinct) of \(total)")
        let missing = recorder.missing(of: total)
        #expect(missing.isEmpty, "missing \(missing.count), first \(missing.prefix(5))")
        print("outage test: \(total) sent, \(recorder.distinct) distinct received, \(missing.count) lost, "
              + "\(recorder.duplicates) duplicates, \(Int(spooledWhileDown)) spooled while down")
        let connectedDeadline = ContinuousClock.now + .seconds(10)
        while agent.state != .connected && ContinuousClock.now < connectedDeadline { usleep(50_000) }
        #expect(agent.state == .connected, "spool replayed, back to publishing directly")
        let metrics = Dictionary(agent.selfMetrics, uniquingKeysWith: { a, _ in a })
        #expect(metrics["nazar.bus.replayed_points"] ?? 0 > 0)
        #expect(metrics["nazar.bus.spool_bytes"] ?? -1 < 4096, "spool emptied after replay")
    }
}
