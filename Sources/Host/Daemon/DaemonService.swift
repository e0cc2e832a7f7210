import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs a started `Daemon` as a swift-service-lifecycle `Service`: tells systemd it is
/// ready, feeds the watchdog from the main loop, reloads on SIGHUP, publishes
/// self-metrics, and stops every instance on graceful shutdown (SIGTERM/SIGINT).
public struct DaemonService: Service {
    let daemon: Daemon
    let notifier: SystemdNotifier
    let logger: Logger
    /// When the supervising loop last ran (monotonic ns).
    private let heartbeat = Heartbeat()

    public init(daemon: Daemon, notifier: SystemdNotifier, logger: Logger) {
        self.daemon = daemon
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        let summary = daemon.summary
        daemon.writeStatus(phase: "running")
        notifier.ready(status: summary)
        logger.notice("READY: \(summary)", metadata: ["nazar_event": "ready"])

        await withDiscardingTaskGroup { group in
            group.addTask { await handleReloads() }
            group.addTask { await supervise() }
            group.addTask { await feedWatchdog() }
            group.addTask { await publishSelfMetrics() }
            try? await gracefulShutdown()
            group.cancelAll()
        }

        notifier.stopping()
        logger.notice("stopping", metadata: ["nazar_event": "stopping"])
        daemon.writeStatus(phase: "stopping")
        await Blocking.run { daemon.shutdown() }
        daemon.statusFile?.removeFiles()
    }

    private func handleReloads() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals {
            notifier.reloading()
            daemon.writeStatus(phase: "reloading")
            await Blocking.run { daemon.reload() }
            let summary = daemon.summary
            daemon.writeStatus(phase: "running")
            notifier.ready(status: summary)
        }
    }

    /// Once a second: quarantine instances stuck in a plugin call, and record that the
    /// main loop is alive (the watchdog is fed only while it is).
    private func supervise() async {
        var tick = 0
        while !Task.isCancelled {
            daemon.superviseInstances()
            heartbeat.beat()
            tick += 1
            if tick % 5 == 0 { daemon.writeStatus(phase: "running") }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// WATCHDOG=1 at half the configured interval, but only while the supervising loop has
    /// run recently: if the main loop stops being scheduled, systemd notices and restarts us.
    private func feedWatchdog() async {
        guard let interval = notifier.watchdogInterval else { return }
        let healthyWithin = max(interval.nanoseconds, 3_000_000_000)
        while !Task.isCancelled {
            if monotonicNanoseconds() - heartbeat.last < healthyWithin {
                notifier.watchdog()
            } else {
                logger.error("main loop stalled: not feeding the watchdog", metadata: ["nazar_event": "watchdog_withheld"])
            }
            try? await Task.sleep(for: interval / 2)
        }
    }

    private func publishSelfMetrics() async {
        while !Task.isCancelled {
            let interval = daemon.config.selfMetricsInterval
            guard interval > .zero else {
                try? await Task.sleep(for: .seconds(60))
                continue
            }
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            daemon.publishSelfMetrics()
            notifier.status(daemon.summary)
        }
    }
}

/// A monotonic timestamp shared between the daemon's loops.
final class Heartbeat: Sendable {
    private let value = Atomic<Int64>(monotonicNanoseconds())
    func beat() { value.store(monotonicNanoseconds(), ordering: .relaxed) }
    var last: Int64 { value.load(ordering: .relaxed) }
}

/// Runs blocking work (waiting for plugin threads) on its own thread, so Swift's small
/// cooperative pool keeps serving the async loops meanwhile.
public enum Blocking {
    public static func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ok = WorkerThread.start(name: "nz-blocking") {
                body()
                c.resume()
            }
            if !ok {
                body()
                c.resume()
            }
        }
    }
}
