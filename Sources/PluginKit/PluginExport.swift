import PluginAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the C descriptor for a Swift plugin type. A plugin's whole export is:
///
/// ```swift
/// @_cdecl("nazar_plugin_entry")
/// public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.collector(MyCollector.self) }
/// ```
///
/// One shared object exports one plugin (the ABI has one entry symbol), so the type is
/// remembered per image; exporting a second, different type from the same image returns
/// the first one's descriptor.
public enum PluginExport {
    public static func collector<P: Collector>(_ type: P.Type) -> UnsafeRawPointer {
        register(P.info, kind: Int32(NAZAR_KIND_COLLECTOR)) { config, host throws(PluginError) in
            CollectorBox(try P(config: config, host: host))
        }
    }

    public static func detector<P: Detector>(_ type: P.Type) -> UnsafeRawPointer {
        register(P.info, kind: Int32(NAZAR_KIND_DETECTOR)) { config, host throws(PluginError) in
            DetectorBox(try P(config: config, host: host))
        }
    }

    public static func notifier<P: Notifier>(_ type: P.Type) -> UnsafeRawPointer {
        register(P.info, kind: Int32(NAZAR_KIND_NOTIFIER)) { config, host throws(PluginError) in
            NotifierBox(try P(config: config, host: host))
        }
    }

    typealias Factory = @Sendable (PluginConfig, PluginHost) throws(PluginError) -> InstanceBox

    struct Registration: @unchecked Sendable {
        let descriptor: UnsafeMutablePointer<nazar_plugin>
        let factory: Factory
    }

    static let registration = Mutex<Registration?>(nil)

    static func register(_ info: PluginInfo, kind: Int32, factory: @escaping Factory) -> UnsafeRawPointer {
        registration.withLock { current in
            if let current { return UnsafeRawPointer(current.descriptor) }
            let d = UnsafeMutablePointer<nazar_plugin>.allocate(capacity: 1)
            d.initialize(to: nazar_plugin())
            d.pointee.struct_size = UInt32(MemoryLayout<nazar_plugin>.size)
            d.pointee.abi_version = UInt32(NAZAR_ABI_VERSION)
            d.pointee.kind = UInt32(kind)
            d.pointee.flags = 0
            d.pointee.name = UnsafePointer(strdup(info.name))
            d.pointee.version = UnsafePointer(strdup(info.version))
            d.pointee.description = UnsafePointer(strdup(info.description))
            d.pointee.create = createThunk
            d.pointee.start = startThunk
            d.pointee.stop = stopThunk
            d.pointee.destroy = destroyThunk
            switch kind {
            case Int32(NAZAR_KIND_COLLECTOR): d.pointee.collect = collectThunk
            case Int32(NAZAR_KIND_DETECTOR): d.pointee.on_points = onPointsThunk
            default: d.pointee.notify = notifyThunk
            }
            current = Registration(descriptor: d, factory: factory)
            return UnsafeRawPointer(d)
        }
    }
}

/// Writes `error` into the host's buffer and returns the matching ABI code.
func report(_ error: PluginError, into err: UnsafeMutablePointer<nazar_error>?) -> Int32 {
    var code = Int32(NAZAR_ERROR)
    if case let .transient(retryAfter) = error.kind {
        code = Int32(NAZAR_RETRY)
        if let err, err.pointee.struct_size >= UInt32(MemoryLayout<nazar_error>.size) {
            err.pointee.retry_after_ms = retryAfter
        }
    }
    if let err, let buffer = err.pointee.message, err.pointee.message_capacity > 0 {
        let bytes = Array(error.message.utf8.prefix(Int(err.pointee.message_capacity) - 1))
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
    }
    return code
}

/// Type-erased instance: the C thunks call through this class's vtable.
class InstanceBox {
    func start() throws(PluginError) {}
    func stop() {}
    func collect(now: Int64) throws(PluginError) { throw PluginError("not a collector") }
    func onPoints(_ batch: PointBatch) throws(PluginError) { throw PluginError("not a detector") }
    func notify(_ alert: DeliveredAlert) throws(PluginError) { throw PluginError("not a notifier") }
}

final class CollectorBox<P: Collector>: InstanceBox {
    var plugin: P
    init(_ plugin: P) { self.plugin = plugin }
    override func start() throws(PluginError) { try plugin.start() }
    override func stop() { plugin.stop() }
    override func collect(now: Int64) throws(PluginError) { try plugin.collect(now: now) }
}

final class DetectorBox<P: Detector>: InstanceBox {
    var plugin: P
    init(_ plugin: P) { self.plugin = plugin }
    override func start() throws(PluginError) { try plugin.start() }
    override func stop() { plugin.stop() }
    override func onPoints(_ batch: PointBatch) throws(PluginError) { try plugin.onPoints(batch) }
}

final class NotifierBox<P: Notifier>: InstanceBox {
    var plugin: P
    init(_ plugin: P) { self.plugin = plugin }
    override func start() throws(PluginError) { try plugin.start() }
    override func stop() { plugin.stop() }
    override func notify(_ alert: DeliveredAlert) throws(PluginError) { try plugin.notify(alert) }
}

@inline(__always)
private func box(_ instance: UnsafeMutableRawPointer?) -> InstanceBox? {
    guard let instance else { return nil }
    return Unmanaged<InstanceBox>.fromOpaque(instance).takeUnretainedValue()
}

private let createThunk: @convention(c) (
    UnsafePointer<nazar_host_api>?, OpaquePointer?, UnsafePointer<CChar>?,
    UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<nazar_error>?
) -> Int32 = { api, handle, json, out, err in
    guard let api, let handle, let out else {
        return report(PluginError("create called without host table or handle"), into: err)
    }
    guard let factory = PluginExport.registration.withLock({ $0?.factory }) else {
        return report(PluginError("plugin was not registered"), into: err)
    }
    do throws(PluginError) {
        let config = try PluginConfig(json: json.map { String(cString: $0) } ?? "{}")
        let instance = try factory(config, PluginHost(api: api, handle: handle))
        out.pointee = Unmanaged.passRetained(instance).toOpaque()
        return Int32(NAZAR_OK)
    } catch {
        return report(error, into: err)
    }
}

private let startThunk: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<nazar_error>?) -> Int32 = { instance, err in
    guard let b = box(instance) else { return report(PluginError("no instance"), into: err) }
    do throws(PluginError) { try b.start(); return Int32(NAZAR_OK) } catch { return report(error, into: err) }
}

private let stopThunk: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
    box(instance)?.stop()
}

private let destroyThunk: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
    guard let instance else { return }
    Unmanaged<InstanceBox>.fromOpaque(instance).release()
}

private let collectThunk: @convention(c) (UnsafeMutableRawPointer?, Int64, UnsafeMutablePointer<nazar_error>?) -> Int32 = { instance, now, err in
    guard let b = box(instance) else { return report(PluginError("no instance"), into: err) }
    do throws(PluginError) { try b.collect(now: now); return Int32(NAZAR_OK) } catch { return report(error, into: err) }
}

private let onPointsThunk: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<nazar_point_batch>?, UnsafeMutablePointer<nazar_error>?) -> Int32 = { instance, batch, err in
    guard let b = box(instance), let batch else { return report(PluginError("no instance or batch"), into: err) }
    do throws(PluginError) { try b.onPoints(PointBatch(batch)); return Int32(NAZAR_OK) } catch { return report(error, into: err) }
}

private let notifyThunk: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<nazar_alert>?, UnsafeMutablePointer<nazar_error>?) -> Int32 = { instance, alert, err in
    guard let b = box(instance), let alert else { return report(PluginError("no instance or alert"), into: err) }
    do throws(PluginError) { try b.notify(DeliveredAlert(alert)); return Int32(NAZAR_OK) } catch { return report(error, into: err) }
}
