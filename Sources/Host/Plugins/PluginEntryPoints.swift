import PluginAPI

/// The plugin's C entry points as an instance's worker calls them, whatever the plugin
/// runs in: this process (`InProcessEntryPoints`, straight through the descriptor) or a
/// `nazar-plugin-host` child (`IsolatedEntryPoints`, over a socket). `PluginInstance`
/// drives either the same way, so stats, state, self-metrics and reload do not depend on
/// the isolation mode.
///
/// Threading: every method but `interrupt()` and `abandon()` is called by the instance's
/// one worker thread, in the ABI's order (create, start, work calls, stop, destroy).
protocol PluginEntryPoints: AnyObject {
    /// create() with the instance's config JSON; NAZAR_OK or an error code with `error` filled.
    func create(configJSON: String, error: ErrorBuffer) -> Int32
    /// start(); NAZAR_OK when the plugin has none.
    func start(error: ErrorBuffer) -> Int32
    func collect(now: Int64, error: ErrorBuffer) -> Int32
    /// on_points() with `points[0..<count]` (count ≤ the batch capacity given at init).
    func onPoints(_ points: UnsafePointer<BusPoint>, count: Int, error: ErrorBuffer) -> Int32
    func notify(_ alert: AlertEvent, error: ErrorBuffer) -> Int32
    func stop()
    func destroy()
    /// Set when the plugin can no longer be called (an isolated plugin that crashed too
    /// often): the worker marks the instance failed and calls nothing more.
    var failure: String? { get }
    /// Any thread: the instance is stopping; cut short waits (a restart's backoff).
    func interrupt()
    /// Any thread: the worker did not finish stopping in time; release what can be
    /// released without it (an isolated plugin's child is killed).
    func abandon()
    /// Worker thread, when it has had nothing to do for a while (no batch, no alert):
    /// an isolated plugin whose child died meanwhile gets a new one once its backoff has
    /// passed, rather than at the next call.
    func idle()
    /// Whether a call past its deadline is handled here (the child is killed and
    /// restarted) rather than by quarantining the instance.
    var enforcesCallTimeout: Bool { get }
}

/// The plugin loaded into this process: each entry point is the descriptor's function
/// pointer, called with the host's own `nazar_host_api` table.
final class InProcessEntryPoints: PluginEntryPoints {
    private let raw: nazar_plugin
    private let api: UnsafePointer<nazar_host_api>
    private let handle: OpaquePointer
    private let registry: SeriesRegistry
    private let delivery: DeliveryBuffer
    private var instance: UnsafeMutableRawPointer?

    init(descriptor: PluginDescriptor, api: UnsafePointer<nazar_host_api> = UnsafePointer(HostAPITable.table),
         handle: OpaquePointer, registry: SeriesRegistry, batchCapacity: Int) {
        raw = descriptor.raw
        self.api = api
        self.handle = handle
        self.registry = registry
        delivery = DeliveryBuffer(capacity: batchCapacity)
    }

    func create(configJSON: String, error: ErrorBuffer) -> Int32 {
        guard let create = raw.create else { return Int32(NAZAR_ERROR) }
        return configJSON.withCString { create(api, handle, $0, &instance, error.pointer) }
    }

    func start(error: ErrorBuffer) -> Int32 { raw.start?(instance, error.pointer) ?? Int32(NAZAR_OK) }

    func collect(now: Int64, error: ErrorBuffer) -> Int32 {
        raw.collect?(instance, now, error.pointer) ?? Int32(NAZAR_ERROR)
    }

    func onPoints(_ points: UnsafePointer<BusPoint>, count: Int, error: ErrorBuffer) -> Int32 {
        guard let onPoints = raw.on_points else { return Int32(NAZAR_ERROR) }
        let instance = instance
        return delivery.withBatch(points, count: count, registry: registry) { onPoints(instance, $0, error.pointer) }
    }

    func notify(_ alert: AlertEvent, error: ErrorBuffer) -> Int32 {
        guard let notify = raw.notify else { return Int32(NAZAR_ERROR) }
        let instance = instance
        return alert.withCAlert { notify(instance, $0, error.pointer) }
    }

    func stop() { raw.stop?(instance) }
    func destroy() { raw.destroy?(instance) }
    var failure: String? { nil }
    func interrupt() {}
    func abandon() {}
    func idle() {}
    var enforcesCallTimeout: Bool { false }
}
