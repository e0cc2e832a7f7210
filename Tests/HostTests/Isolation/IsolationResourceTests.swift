import Foundation
import Logging
import Testing
@testable import Host

/// Restarts leave nothing behind: no descriptor, no zombie, no child. Part of the
/// serialized IsolationTests suite, so no other test's plugin host socket is open meanwhile.
extension IsolationTests {
    /// A crashy collector instance driven directly, with a restart policy that allows
    /// many quick restarts.
    func crashyInstance(_ t: TestSetup, policy: RestartPolicy, config: String) throws -> PluginInstance {
        let loader = PluginLoader(searchPath: ["\(t.dir)/lib"], strictPermissions: true)
        let descriptor = try loader.load("crashy")
        let bus = EmbeddedBus(settings: BusSettings(), registry: SeriesRegistry(maxSeries: 1000, defaultHost: "testhost"))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let cfg = PluginInstanceConfig(file: "", name: "crashy", plugin: "crashy", interval: .milliseconds(100),
                                       configJSON: config, isolation: .process)
        return PluginInstance(config: cfg, descriptor: descriptor, bus: bus, alertBook: AlertBook(), hostname: "testhost",
                              stateDirectory: t.dir, batchSize: 64, logger: logger, restartPolicy: policy)
    }

    @Test func descriptorCountIsFlatOverTwentyRestarts() throws {
        let t = try TestSetup()
        try t.compileCrashy()
        var policy = RestartPolicy()
        policy.initialBackoff = .milliseconds(1)
        policy.maximumBackoff = .milliseconds(2)
        policy.crashLimit = 1000
        // Every child crashes on its second collect(): one restart per ~200 ms.
        let crashy = try crashyInstance(t, policy: policy, config: #"{"crash":"segv","on_call":2}"#)
        #expect(crashy.start() == .running)
        defer { crashy.stop() }
        // Warm up: the first restart creates what stays (reader thread stacks, caches).
        #expect(eventually(timeout: .seconds(10)) { crashy.stats.restarts.load(ordering: .relaxed) >= 2 })
        #expect(eventually(timeout: .seconds(30)) { crashy.stats.restarts.load(ordering: .relaxed) >= 22 })
        // Exactly one socket, to the current child: a parent-side end or the child's end left
        // open per restart would show here. The whole process's descriptor count is not
        // compared: the other suites running alongside open and close dozens meanwhile (CI
        // saw 85 → 150 with no leak), so it cannot tell a leak from a neighbour.
        #expect(eventually { pluginHostSocketCount() == 1 }, "plugin host sockets open: \(pluginHostSocketCount())")
        #expect(zombieChildren().isEmpty)
        #expect(crashy.state == .running)
    }

    @Test func backoffDoublesToItsMaximumAndResetsAfterAHealthyRun() {
        var policy = RestartPolicy()
        policy.initialBackoff = .milliseconds(100)
        policy.maximumBackoff = .milliseconds(400)
        policy.healthyAfter = .seconds(60)
        policy.crashLimit = 100
        var h = CrashHistory(policy: policy)
        let ms: Int64 = 1_000_000
        var delays: [Int64] = []
        var now: Int64 = 1_000 * ms
        for _ in 0..<5 {
            h.startedAt = now
            now += 10 * ms
            _ = h.record(now: now)
            delays.append((h.notBefore - now) / ms)
            now = h.notBefore
        }
        #expect(delays == [100, 200, 400, 400, 400])
        // Up for a minute: the next crash waits the initial backoff again.
        h.startedAt = now
        now += 61_000 * ms
        _ = h.record(now: now)
        #expect((h.notBefore - now) / ms == 100)
    }

    @Test func theCrashLimitCountsOnlyCrashesInsideTheWindow() {
        var policy = RestartPolicy()
        policy.crashLimit = 3
        policy.window = .seconds(10)
        var h = CrashHistory(policy: policy)
        let s: Int64 = 1_000_000_000
        let results = [1, 2, 12, 13, 14].map { h.record(now: $0 * s) }
        // By 12 s the first two have left the window; 12, 13 and 14 are three within ten seconds.
        #expect(results == [false, false, false, false, true])
    }
}
