import Foundation
import Logging
import Testing
@testable import Host

/// The private broker scripts/start-rabbitmq runs for the tests, and helpers to build
/// RabbitMQ buses against it.
enum TestBroker {
    static let port = Int(ProcessInfo.processInfo.environment["NAZAR_RABBITMQ_PORT"] ?? "") ?? 5673
    static let url = "amqp://127.0.0.1:\(port)"
    static let vhost = "nazar-test"
    static let user = "nazar"
    static let password = "nazar-test-secret"
    static var endpoint: BrokerEndpoint { BrokerEndpoint(host: "127.0.0.1", port: port) }
    /// The TLS listener scripts/start-rabbitmq opens, and its throwaway CA and client
    /// certificates (scripts/make-test-certs).
    static let tlsPort = Int(ProcessInfo.processInfo.environment["NAZAR_RABBITMQ_TLS_PORT"] ?? "") ?? port + 1
    static let tlsURL = "amqps://127.0.0.1:\(tlsPort)"
    static let tlsDirectory = (ProcessInfo.processInfo.environment["NAZAR_RABBITMQ_BASE"] ?? "/run/nazar-rabbitmq") + "/tls"

    /// True when the broker answers; in CI its absence is a recorded failure, not a skip.
    static func available() -> Bool {
        let settings = RabbitMQSettings(urls: [url], vhost: vhost, timeout: .seconds(2))
        do throws(AMQPError) {
            let c = try AMQPConnection.open(endpoint, vhost: vhost, credentials: BrokerCredentials(user: user, password: password),
                                            settings: settings, confirms: false)
            c.close(polite: true)
            return true
        } catch {
            let message = "RabbitMQ is not reachable at \(url) (\(error)): start it with scripts/start-rabbitmq (scripts/test does)"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record(Comment(rawValue: message))
            } else {
                print("note: \(message); broker tests not run")
            }
            return false
        }
    }

    /// Runs scripts/stop-rabbitmq or scripts/start-rabbitmq and waits for it.
    static func script(_ name: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(TestPaths.repository)/scripts/\(name)")
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("scripts/\(name) exited with \(p.terminationStatus)") }
    }

/// Waits until the broker has the queue with a consumer, so points published next are routed to it.
    static func waitForConsumer(_ name: String, timeout: Duration = .seconds(10)) throws {
        let settings = RabbitMQSettings(urls: [TestBroker.url], vhost: TestBroker.vhost, timeout: .seconds(3))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // A passive declare: a missing queue closes the channel, which is just "not yet".
            do throws(AMQPError) {
                let c = try AMQPConnection.open(TestBroker.endpoint, vhost: TestBroker.vhost,
                                                credentials: BrokerCredentials(user: TestBroker.user, password: TestBroker.password),
                                                settings: settings, confirms: false)
                defer { c.close(polite: true) }
                if try c.queueConsumers(name) > 0 { return }
            } catch {}
            usleep(100_000)
        }
        throw TestFailure("queue \(name) has no consumer after \(timeout)")
    }

    /// Writes a credentials file (user:password) and returns its path.
    static func credentialsFile(in dir: String, password: String = TestBroker.password) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/rabbitmq-credentials"
        try "\(user):\(password)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func settings(dir: String, password: String = TestBroker.password, spoolMaxBytes: Int = 256 << 20,
                         policy: SpoolPolicy = .dropOldest) throws -> BusSettings {
        var bus = BusSettings(backend: "rabbitmq")
        bus.rabbitmq = RabbitMQSettings(urls: [url], vhost: vhost, credentialsFile: try credentialsFile(in: dir, password: password),
                                        spoolMaxBytes: spoolMaxBytes, spoolPolicy: policy,
                                        reconnectMin: .milliseconds(100), reconnectMax: .milliseconds(500),
                                        timeout: .seconds(3))
        return bus
    }

    /// A bus on the test broker; `configure` adjusts its broker settings (URLs, TLS files).
    static func bus(host: String, dir: String, password: String = TestBroker.password,
                    configure: (inout RabbitMQSettings) -> Void = { _ in }) throws -> RabbitMQBus {
        var s = try settings(dir: dir, password: password)
        configure(&s.rabbitmq)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try RabbitMQBus(settings: s, registry: SeriesRegistry(maxSeries: 100_000, defaultHost: host), hostname: host,
                               stateDirectory: dir, environment: [:], logger: logger)
    }

    /// Two buses on the test broker standing for two hosts, with run-unique names.
    static func agentAndCentral() throws -> (run: String, agent: RabbitMQBus, central: RabbitMQBus) {
        let run = runID()
        let dir = try TestPaths.makeTemporaryDirectory("rmq")
        return (run, try bus(host: "agent-\(run)", dir: "\(dir)/agent"), try bus(host: "central-\(run)", dir: "\(dir)/central"))
    }

    /// A run-unique word for host and instance names, so tests never share broker queues.
    static func runID() -> String { String(UInt64.random(in: 0...UInt64.max), radix: 36) }
}

/// Pops a subscriber's queue on its own thread the way a detector's worker does (pop,
/// handle, markCompleted) and records each point's value (the stream's sequence number).
final class PointRecorder: @unchecked Sendable {
    let queue: PointQueue
    let registry: SeriesRegistry
    private let lock = NSLock()
    private var seen: [Int64: Int] = [:]
    private var names: Set<String> = []
    private var stopped = false

    init(queue: PointQueue, registry: SeriesRegistry) {
        self.queue = queue
        self.registry = registry
        Thread.detachNewThread { [self] in run() }
    }

    private func run() {
        let scratch = UnsafeMutablePointer<BusPoint>.allocate(capacity: 4096)
        defer { scratch.deallocate() }
        while !lock.withLock({ stopped }) {
            let n = queue.pop(into: scratch, max: 4096, untilMonotonicNanoseconds: monotonicNanoseconds() + 100_000_000)
            guard n > 0 else { if queue.isClosed { return } else { continue } }
            lock.withLock {
                for i in 0..<n {
                    seen[Int64(scratch[i].value), default: 0] += 1
                    let id = scratch[i].series
                    names.insert("\(registry.name(of: id)){\(registry.labels(of: id).map { "\($0.0)=\($0.1)" }.joined(separator: ","))}")
                }
            }
            queue.markCompleted(n)
        }
    }

    var distinct: Int { lock.withLock { seen.count } }
    var duplicates: Int { lock.withLock { seen.values.reduce(0) { $0 + $1 - 1 } } }
    var seriesSeen: Set<String> { lock.withLock { names } }
    func missing(of n: Int) -> [Int64] { lock.withLock { (0..<Int64(n)).filter { seen[$0] == nil } } }

    /// Polls until `n` distinct values arrived or `timeout` passes.
    func wait(for n: Int, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if distinct >= n { return true }
            usleep(50_000)
        }
        return distinct >= n
    }

    func stop() { lock.withLock { stopped = true } }
}

/// Publishes `count` points (value = sequence number, timestamp = base + sequence) over
/// `series` series of metric `metric`, in batches.
func publishSequence(_ bus: RabbitMQBus, metric: String, from start: Int, count: Int, series: Int, batch: Int,
                     pause: Duration = .zero) throws -> Int {
    var ids: [UInt64] = []
    for s in 0..<series { ids.append(try bus.registry.intern(name: metric, labels: [("core", "\(s)")])) }
    var lost = 0
    var i = start
    var points: [BusPoint] = []
    while i < start + count {
        points.removeAll(keepingCapacity: true)
        let n = min(batch, start + count - i)
        for k in i..<(i + n) {
            points.append(BusPoint(series: ids[k % series], timestamp: 1_700_000_000_000_000_000 + Int64(k), value: Double(k)))
        }
        lost += points.withUnsafeBufferPointer { bus.publish($0) }
        i += n
        if pause > .zero { Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds)) }
    }
    return lost
}
