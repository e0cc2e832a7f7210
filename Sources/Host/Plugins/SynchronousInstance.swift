import Logging
import PluginAPI

/// One plugin instance driven on the caller's thread, for `nazarctl replay` and the
/// benchmarks: create and start now; `deliver` calls `on_points` and `collect` calls
/// `collect` and return when the plugin returns, so what it published or raised
/// meanwhile is already on the bus. In process or, with `isolation: .process`, in a
/// `nazar-plugin-host` child, through the same `PluginEntryPoints` as the daemon.
///
/// Not thread-safe: the caller is the one thread that calls the plugin (the ABI's
/// threading rule holds by construction).
public final class SynchronousInstance {
    public let descriptor: PluginDescriptor
    let context: InstanceContext
    private let plugin: any PluginEntryPoints
    private let error = ErrorBuffer()
    private let batchCapacity: Int
    private var stopped = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates and starts the instance; a collector or detector (a notifier is driven by
    /// the daemon's alert queue only).
    public init(descriptor: PluginDescriptor, name: String, configJSON: String, bus: any Bus, alertBook: AlertBook,
                hostname: String, stateDirectory: String, batchCapacity: Int, logger: Logger,
                isolation: PluginIsolation = .none) throws(Failure) {
        guard descriptor.kind != .notifier else {
            throw Failure(description: "\(descriptor.path) is a \(descriptor.kind), not a detector")
        }
        self.descriptor = descriptor
        self.batchCapacity = max(1, batchCapacity)
        context = InstanceContext(name: name, pluginName: descriptor.name, logger: logger, bus: bus,
                                  alertBook: alertBook, hostname: hostname, stateDirectory: stateDirectory)
        switch isolation {
        case .none:
            plugin = InProcessEntryPoints(descriptor: descriptor, handle: context.handle, registry: bus.registry,
                                          batchCapacity: self.batchCapacity)
        case .process:
            let config = PluginInstanceConfig(file: "", name: name, plugin: descriptor.path, configJSON: configJSON,
                                              isolation: .process)
            plugin = IsolatedEntryPoints(descriptor: descriptor, config: config, context: context, registry: bus.registry,
                                         strictPermissions: false, policy: .standard)
        }
        let rc = plugin.create(configJSON: configJSON, error: error)
        guard rc == NAZAR_OK else {
            throw Failure(description: "create failed: \(error.message(orDefault: "code \(rc)"))")
        }
        error.reset()
        let src = plugin.start(error: error)
        if src != NAZAR_OK {
            plugin.destroy()
            stopped = true
            throw Failure(description: "start failed: \(error.message(orDefault: "code \(src)"))")
        }
    }

    /// Delivers points (at most the batch capacity) to `on_points`; returns the plugin's
    /// error message when it reported one.
    public func deliver(_ points: UnsafeBufferPointer<BusPoint>) -> String? {
        guard let base = points.baseAddress, !points.isEmpty, descriptor.kind == .detector else { return nil }
        error.reset()
        let n = min(points.count, batchCapacity)
        let rc = plugin.onPoints(base, count: n, error: error)
        context.stats.pointsDelivered.add(UInt64(n), ordering: .relaxed)
        return rc == NAZAR_OK ? nil : error.message(orDefault: "code \(rc)")
    }

    /// Calls a collector's `collect(now_ns)`; returns the plugin's error message when it
    /// reported one.
    public func collect(now: Int64) -> String? {
        guard descriptor.kind == .collector else { return nil }
        error.reset()
        let rc = plugin.collect(now: now, error: error)
        return rc == NAZAR_OK ? nil : error.message(orDefault: "code \(rc)")
    }

    /// Calls the plugin's stop() and destroy(); idempotent.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        context.accepting.store(false, ordering: .relaxed)
        plugin.stop()
        plugin.destroy()
    }

    deinit { stop() }
}
