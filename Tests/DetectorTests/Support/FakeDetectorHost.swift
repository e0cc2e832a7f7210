import PluginAPI
import PluginKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A `nazar_host_api` table over plain Swift state, so detector tests drive a plugin
/// through its C descriptor exactly as nazard does, and see what it raised, resolved,
/// registered, published and logged.
final class FakeDetectorHost: @unchecked Sendable {
struct Alert: Sendable {
        var resolved: Bool
        var rule: String
        var severity: UInt32
        var labels: [String: String]
        var summary: String
        var value: Double
        var score: Double
        var timestamp: Int64
    }

struct Published: Sendable {
        var name: String
        var labels: [String: String]
        var timestamp: Int64
        var value: Double
    }

struct State: Sendable {
        var registered: [(name: String, labels: [String: String])] = []
        var alerts: [Alert] = []
        var published: [Published] = []
        var logs: [(level: Int32, message: String)] = []
    }

let state = Mutex(State())
    /// Stable storage: the plugin keeps the table pointer until destroy().
let apiPointer = UnsafeMutablePointer<nazar_host_api>.allocate(capacity: 1)

    deinit { apiPointer.deallocate() }

init() {
        var api = nazar_host_api()
        api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
        api.abi_version = UInt32(NAZAR_ABI_VERSION)
        api.log = { handle, level, message, _, _ in
            FakeDetectorHost.from(handle).state.withLock {
                $0.logs.append((level, message.map { String(cString: $0) } ?? ""))
            }
        }
        api.now_ns = { _ in 0 }
        api.monotonic_ns = { _ in 0 }
        api.series_register = { handle, name, labels, count in
            guard let name else { return 0 }
            let entry = (name: String(cString: name), labels: labelDictionary(labels, count))
            return FakeDetectorHost.from(handle).state.withLock { s -> UInt64 in
                if let i = s.registered.firstIndex(where: { $0.name == entry.name && $0.labels == entry.labels }) {
                    return UInt64(i + 1)
                }
                s.registered.append(entry)
                return UInt64(s.registered.count)
            }
        }
        api.publish = { handle, batch in
            guard let b = batch?.pointee, let base = b.points else { return Int32(NAZAR_ERROR) }
            FakeDetectorHost.from(handle).state.withLock { s in
                for i in 0..<Int(b.count) {
                    let p = (UnsafeRawPointer(base) + i * Int(b.point_size)).assumingMemoryBound(to: nazar_point.self).pointee
                    let series = s.registered[Int(p.series) - 1]
                    s.published.append(Published(name: series.name, labels: series.labels, timestamp: p.timestamp_ns, value: p.value))
                }
            }
            return Int32(NAZAR_OK)
        }
        api.alert_raise = { handle, alert in FakeDetectorHost.from(handle).record(alert, resolved: false) }
        api.alert_resolve = { handle, alert in FakeDetectorHost.from(handle).record(alert, resolved: true) }
        api.hostname = { _ in UnsafePointer(fakeHostname) }
        apiPointer.initialize(to: api)
    }

    func record(_ alert: UnsafePointer<nazar_alert>?, resolved: Bool) -> Int32 {
        guard let a = alert?.pointee, let rule = a.rule else { return Int32(NAZAR_ERROR) }
        let entry = Alert(resolved: resolved, rule: String(cString: rule), severity: a.severity,
                          labels: labelDictionary(a.labels, a.label_count),
                          summary: a.summary.map { String(cString: $0) } ?? "",
                          value: a.value, score: a.score, timestamp: a.timestamp_ns)
        state.withLock { $0.alerts.append(entry) }
        return Int32(NAZAR_OK)
    }

    static func from(_ handle: OpaquePointer?) -> FakeDetectorHost {
        Unmanaged<FakeDetectorHost>.fromOpaque(UnsafeRawPointer(handle!)).takeUnretainedValue()
    }

var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

var alerts: [Alert] { state.withLock { $0.alerts } }
var fired: [Alert] { alerts.filter { !$0.resolved } }
var resolved: [Alert] { alerts.filter { $0.resolved } }
var published: [Published] { state.withLock { $0.published } }
var logs: [(level: Int32, message: String)] { state.withLock { $0.logs } }
func clear() {
        state.withLock {
            $0.alerts.removeAll()
            $0.published.removeAll()
            $0.logs.removeAll()
        }
    }
}

nonisolated(unsafe) private let fakeHostname: UnsafeMutablePointer<CChar> = strdup("testhost")

private func labelDictionary(_ labels: UnsafePointer<nazar_label>?, _ count: UInt32) -> [String: String] {
    guard let labels else { return [:] }
    var out: [String: String] = [:]
    for i in 0..<Int(count) {
        guard let k = labels[i].key, let v = labels[i].value else { continue }
        out[String(cString: k)] = String(cString: v)
    }
    return out
}

/// A point as tests write it; `series` is the host's id (dense from 1).
struct TestPoint: Sendable {
var series: UInt64
var name: String
var labels: [(String, String)]
var timestamp: Int64
var value: Double

init(series: UInt64 = 1, name: String = "cpu.total", labels: [(String, String)] = [("host", "web1")],
                timestamp: Int64, value: Double) {
        self.series = series
        self.name = name
        self.labels = labels.sorted { $0.0 < $1.0 }
        self.timestamp = timestamp
        self.value = value
    }
}

/// One detector instance created through a plugin's C descriptor.
struct DetectorInstance {
let plugin: UnsafePointer<nazar_plugin>
let instance: UnsafeMutableRawPointer?
let host: FakeDetectorHost

    /// Creates an instance from `config` JSON; throws the plugin's error message.
init(_ entry: UnsafeRawPointer, host: FakeDetectorHost = FakeDetectorHost(), config: String) throws(DetectorCallError) {
        let plugin = entry.assumingMemoryBound(to: nazar_plugin.self)
        var instance: UnsafeMutableRawPointer?
        let (code, message) = withErrorBuffer { err in
            plugin.pointee.create!(host.apiPointer, host.handle, config, &instance, err)
        }
        guard code == NAZAR_OK else { throw DetectorCallError(code: code, message: message) }
        self.plugin = plugin
        self.instance = instance
        self.host = host
        if let start = plugin.pointee.start {
            let (code, message) = withErrorBuffer { start(instance, $0) }
            guard code == NAZAR_OK else { throw DetectorCallError(code: code, message: message) }
        }
    }

    /// Delivers `points` as one batch through on_points (stride = sizeof(nazar_point)).
    @discardableResult
func send(_ points: [TestPoint]) -> DetectorCallError? {
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func keep(_ s: String) -> UnsafePointer<CChar> {
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        let labelArrays: [UnsafeMutablePointer<nazar_label>] = points.map { p in
            let array = UnsafeMutablePointer<nazar_label>.allocate(capacity: max(p.labels.count, 1))
            for (i, (k, v)) in p.labels.enumerated() { array[i] = nazar_label(key: keep(k), value: keep(v)) }
            return array
        }
        defer { labelArrays.forEach { $0.deallocate() } }
        var raw: [nazar_point] = []
        for (i, p) in points.enumerated() {
            raw.append(nazar_point(struct_size: UInt32(MemoryLayout<nazar_point>.size), label_count: UInt32(p.labels.count),
                                   series: p.series, name: keep(p.name), labels: UnsafePointer(labelArrays[i]),
                                   timestamp_ns: p.timestamp, value: p.value))
        }
        let (code, message) = raw.withUnsafeBufferPointer { buffer in
            var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                                          point_size: UInt32(MemoryLayout<nazar_point>.stride),
                                          count: UInt64(buffer.count), points: buffer.baseAddress)
            return withErrorBuffer { plugin.pointee.on_points!(instance, &batch, $0) }
        }
        return code == NAZAR_OK ? nil : DetectorCallError(code: code, message: message)
    }

    /// Sends each value as its own batch, `step` ns apart from `start`.
func sendSeries(_ values: [Double], start: Int64 = 1_700_000_000_000_000_000, step: Int64 = 10_000_000_000,
                           series: UInt64 = 1, name: String = "cpu.total", labels: [(String, String)] = [("host", "web1")]) {
        for (i, v) in values.enumerated() {
            send([TestPoint(series: series, name: name, labels: labels, timestamp: start + Int64(i) * step, value: v)])
        }
    }

func destroy() {
        plugin.pointee.stop?(instance)
        plugin.pointee.destroy!(instance)
    }
}

struct DetectorCallError: Error, CustomStringConvertible, Sendable {
var code: Int32
var message: String
var description: String { "code \(code): \(message)" }
}

/// Seconds → ns, for readable timestamps in tests.
func seconds(_ s: Int64) -> Int64 { s * 1_000_000_000 }
