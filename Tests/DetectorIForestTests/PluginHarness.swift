import Foundation
// Shared helpers (TestPaths, eventually, withErrorBuffer …): the TestSupport target.
@_exported import TestSupport
import PluginAPI
import Synchronization

/// Loads the built `libdetector-iforest.so` with dlopen and drives it through its C
/// descriptor, exactly as nazard does, against a host function table over Swift state.
enum PluginLibrary {
    /// The descriptor from the real shared library (nil + a reason when it is missing).
    /// The descriptor is static data of the library, read-only after the entry call.
    nonisolated(unsafe) static let descriptor: Result<UnsafePointer<nazar_plugin>, HarnessError> = {
        let path = "\(TestPaths.buildProducts)/libdetector-iforest.so"
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(HarnessError("dlopen \(path): \(String(cString: dlerror()))"))
        }
        guard let sym = dlsym(handle, "nazar_plugin_entry") else { return .failure(HarnessError("no nazar_plugin_entry in \(path)")) }
        let entry = unsafeBitCast(sym, to: nazar_plugin_entry_fn.self)
        guard let d = entry() else { return .failure(HarnessError("entry returned NULL")) }
        return .success(d)
    }()
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A host function table recording what the plugin registers, publishes, raises and logs.
final class FakeHost: @unchecked Sendable {
    struct Published {
        var name: String
        var labels: [String: String]
        var timestamp: Int64
        var value: Double
    }

    struct Alert {
        var firing: Bool
        var rule: String
        var labels: [String: String]
        var summary: String
        var score: Double
    }

    struct State {
        var series: [(String, [String: String])] = []
        var published: [Published] = []
        var alerts: [Alert] = []
        var logs: [(level: Int32, message: String, fields: [String: String])] = []
    }

    let state = Mutex(State())
    let apiPointer = UnsafeMutablePointer<nazar_host_api>.allocate(capacity: 1)
    let hostnameC: UnsafeMutablePointer<CChar>
    let stateDirC: UnsafeMutablePointer<CChar>

    init(stateDirectory: String) {
        hostnameC = strdup("self")!
        stateDirC = strdup(stateDirectory)!
        var api = nazar_host_api()
        api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
        api.abi_version = UInt32(NAZAR_ABI_VERSION)
        api.log = { handle, level, message, fields, count in
            var f: [String: String] = [:]
            for i in 0..<Int(count) { f[String(cString: fields![i].key)] = String(cString: fields![i].value) }
            FakeHost.from(handle).state.withLock { $0.logs.append((level, String(cString: message!), f)) }
        }
        api.now_ns = { _ in 0 }
        api.monotonic_ns = { _ in 0 }
        api.series_register = { handle, name, labels, count in
            var dict: [String: String] = [:]
            for i in 0..<Int(count) { dict[String(cString: labels![i].key)] = String(cString: labels![i].value) }
            let entry = (String(cString: name!), dict)
            return FakeHost.from(handle).state.withLock { s -> UInt64 in
                if let i = s.series.firstIndex(where: { $0.0 == entry.0 && $0.1 == entry.1 }) { return UInt64(i + 1) }
                s.series.append(entry)
                return UInt64(s.series.count)
            }
        }
        api.publish = { handle, batch in
            let b = batch!.pointee
            FakeHost.from(handle).state.withLock { s in
                for i in 0..<Int(b.count) {
                    let p = (UnsafeRawPointer(b.points!) + i * Int(b.point_size)).assumingMemoryBound(to: nazar_point.self).pointee
                    let (name, labels) = s.series[Int(p.series) - 1]
                    s.published.append(Published(name: name, labels: labels, timestamp: p.timestamp_ns, value: p.value))
                }
            }
            return Int32(NAZAR_OK)
        }
        api.alert_raise = { handle, alert in FakeHost.from(handle).record(alert!, firing: true) }
        api.alert_resolve = { handle, alert in FakeHost.from(handle).record(alert!, firing: false) }
        api.hostname = { handle in UnsafePointer(FakeHost.from(handle).hostnameC) }
        api.state_directory = { handle in UnsafePointer(FakeHost.from(handle).stateDirC) }
        apiPointer.initialize(to: api)
    }

    deinit {
        apiPointer.deallocate()
        free(hostnameC)
        free(stateDirC)
    }

    func record(_ a: UnsafePointer<nazar_alert>, firing: Bool) -> Int32 {
        let alert = a.pointee
        var labels: [String: String] = [:]
        for i in 0..<Int(alert.label_count) { labels[String(cString: alert.labels![i].key)] = String(cString: alert.labels![i].value) }
        let entry = Alert(firing: firing, rule: String(cString: alert.rule), labels: labels,
                          summary: alert.summary.map { String(cString: $0) } ?? "", score: alert.score)
        state.withLock { $0.alerts.append(entry) }
        return Int32(NAZAR_OK)
    }

    static func from(_ handle: OpaquePointer?) -> FakeHost {
        Unmanaged<FakeHost>.fromOpaque(UnsafeRawPointer(handle!)).takeUnretainedValue()
    }

    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }
    var published: [Published] { state.withLock { $0.published } }
    var scores: [Double] { published.filter { $0.name == "anomaly.score" }.map(\.value) }
    var alerts: [Alert] { state.withLock { $0.alerts } }
    var logs: [(level: Int32, message: String, fields: [String: String])] { state.withLock { $0.logs } }
    func logs(event: String) -> [String] { logs.filter { $0.fields["NAZAR_EVENT"] == event }.map(\.message) }
}

/// One detector instance created through the C descriptor, fed rows as nazard would
/// deliver points: one `on_points` per row, one point per metric, sorted labels.
final class DetectorInstance {
    let plugin: UnsafePointer<nazar_plugin>
    let host: FakeHost
    var instance: UnsafeMutableRawPointer?
    var started = false
    /// C strings kept alive for the instance's lifetime (the host owns point strings).
    private var cStrings: [UnsafeMutablePointer<CChar>] = []
    private var seriesIDs: [String: UInt64] = [:]

    static func create(_ host: FakeHost, config: String) throws -> DetectorInstance {
        let plugin = try PluginLibrary.descriptor.get()
        let d = DetectorInstance(plugin: plugin, host: host)
        let (code, message) = withErrorBuffer { err in plugin.pointee.create!(host.apiPointer, host.handle, config, &d.instance, err) }
        guard code == NAZAR_OK else { throw HarnessError(message) }
        return d
    }

    /// The error message of a create() that must fail.
    static func createError(_ host: FakeHost, config: String) throws -> String {
        let plugin = try PluginLibrary.descriptor.get()
        var instance: UnsafeMutableRawPointer?
        let (code, message) = withErrorBuffer { err in plugin.pointee.create!(host.apiPointer, host.handle, config, &instance, err) }
        if code == NAZAR_OK { plugin.pointee.destroy!(instance) }
        return code == NAZAR_OK ? "created" : message
    }

    private init(plugin: UnsafePointer<nazar_plugin>, host: FakeHost) {
        self.plugin = plugin
        self.host = host
    }

    func start() throws {
        let (code, message) = withErrorBuffer { plugin.pointee.start!(instance, $0) }
        guard code == NAZAR_OK else { throw HarnessError(message) }
        started = true
    }

    func close() {
        if started { plugin.pointee.stop!(instance) }
        plugin.pointee.destroy!(instance)
        cStrings.forEach { free($0) }
        cStrings = []
    }

    private func keep(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        cStrings.append(p)
        return UnsafePointer(p)
    }

    /// Delivers one row: metric i gets values[i] (nil = no point for it), all at `timestamp`.
    func feed(_ values: [Double?], metrics: [String], host hostName: String = "web1", timestamp: Int64,
              extraLabels: [(String, String)] = []) throws {
        var labelArrays: [UnsafeMutablePointer<nazar_label>] = []
        defer { labelArrays.forEach { $0.deallocate() } }
        var points: [nazar_point] = []
        for (i, value) in values.enumerated() {
            guard let value else { continue }
            let labels = ([("host", hostName)] + extraLabels).sorted { $0.0 < $1.0 }
            let key = metrics[i] + "|" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
            let id = seriesIDs[key] ?? UInt64(seriesIDs.count + 1000)
            seriesIDs[key] = id
            let array = UnsafeMutablePointer<nazar_label>.allocate(capacity: labels.count)
            for (j, l) in labels.enumerated() { array[j] = nazar_label(key: keep(l.0), value: keep(l.1)) }
            labelArrays.append(array)
            points.append(nazar_point(struct_size: UInt32(MemoryLayout<nazar_point>.size), label_count: UInt32(labels.count),
                                      series: id, name: keep(metrics[i]), labels: UnsafePointer(array),
                                      timestamp_ns: timestamp, value: value))
        }
        let (code, message) = points.withUnsafeBufferPointer { buffer in
            var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                                          point_size: UInt32(MemoryLayout<nazar_point>.stride),
                                          count: UInt64(buffer.count), points: buffer.baseAddress)
            return withErrorBuffer { plugin.pointee.on_points!(instance, &batch, $0) }
        }
        guard code == NAZAR_OK else { throw HarnessError(message) }
    }
}
