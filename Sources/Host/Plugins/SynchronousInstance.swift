import Logging
import PluginAPI

/// One detector instance driven on the caller's thread, for `nazarctl replay`: create
/// and start now, `deliver` calls `on_points` directly and returns when the plugin
/// returns, so what it published or raised meanwhile is already on the bus.
///
/// Not thread-safe: the caller is the one thread that calls the plugin (the ABI's
/// threading rule holds by construction).
public final class SynchronousInstance {
    public let descriptor: PluginDescriptor
    let context: InstanceContext
    private let instance: UnsafeMutableRawPointer?
    private let error = ErrorBuffer()
    private let delivery: DeliveryBuffer
    private var stopped = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(descriptor: PluginDescriptor, name: String, configJSON: String, bus: any Bus, alertBook: AlertBook,
                hostname: String, stateDirectory: String, batchCapacity: Int, logger: Logger) throws(Failure) {
        guard descriptor.kind == .detector, let create = descriptor.raw.create else {
            throw Failure(description: "\(descriptor.path) is a \(descriptor.kind), not a detector")
        }
        self.descriptor = descriptor
        delivery = DeliveryBuffer(capacity: batchCapacity)
        context = InstanceContext(name: name, pluginName: descriptor.name, logger: logger, bus: bus,
                                  alertBook: alertBook, hostname: hostname, stateDirectory: stateDirectory)
        var made: UnsafeMutableRawPointer? = nil
        let handle = context.handle, errorPointer = error.pointer
        let rc = configJSON.withCString { create(HostAPITable.table, handle, $0, &made, errorPointer) }
        guard rc == NAZAR_OK else {
            throw Failure(description: "create failed: \(error.message(orDefault: "code \(rc)"))")
        }
        instance = made
        if let start = descriptor.raw.start {
            error.reset()
            let src = start(instance, error.pointer)
            if src != NAZAR_OK {
                descriptor.raw.destroy?(instance)
                stopped = true
                throw Failure(description: "start failed: \(error.message(orDefault: "code \(src)"))")
            }
        }
    }

    /// Delivers points (at most the batch capacity) to `on_points`; returns the plugin's
    /// error message when it reported one.
    public func deliver(_ points: UnsafeBufferPointer<BusPoint>) -> String? {
        guard let base = points.baseAddress, !points.isEmpty, let onPoints = descriptor.raw.on_points else { return nil }
        error.reset()
        let rc = delivery.withBatch(base, count: points.count, registry: context.bus.registry) {
            onPoints(instance, $0, error.pointer)
        }
        context.stats.pointsDelivered.add(UInt64(points.count), ordering: .relaxed)
        return rc == NAZAR_OK ? nil : error.message(orDefault: "code \(rc)")
    }

    /// Calls the plugin's stop() and destroy(); idempotent.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        context.accepting.store(false, ordering: .relaxed)
        descriptor.raw.stop?(instance)
        descriptor.raw.destroy?(instance)
    }

    deinit { stop() }
}
