import Foundation
import PluginAPI
import Synchronization

/// A host function table over plain Swift state: what the plugin logged, which
/// plugins.d file it was configured from.
final class FakeNotifierHost: @unchecked Sendable {
    struct LogLine {
        var level: Int32
        var message: String
        var fields: [String: String]
    }

    let logs = Mutex<[LogLine]>([])
    let hostnameC = strdup("testhost")!
    let stateDirectoryC = strdup("/tmp")!
    let configPathC: UnsafeMutablePointer<CChar>
    let apiPointer = UnsafeMutablePointer<nazar_host_api>.allocate(capacity: 1)

    /// `tableSize` below the full size imitates an older host whose table ends earlier.
    init(configPath: String = "", tableSize: Int = MemoryLayout<nazar_host_api>.size) {
        configPathC = strdup(configPath)!
        var api = nazar_host_api()
        api.struct_size = UInt32(tableSize)
        api.abi_version = UInt32(NAZAR_ABI_VERSION)
        api.log = { handle, level, message, fields, count in
            var dict: [String: String] = [:]
            for i in 0..<Int(count) {
                if let f = fields?[i], let k = f.key, let v = f.value { dict[String(cString: k)] = String(cString: v) }
            }
            let line = LogLine(level: level, message: message.map { String(cString: $0) } ?? "", fields: dict)
            FakeNotifierHost.from(handle).logs.withLock { $0.append(line) }
        }
        api.now_ns = { _ in
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        }
        api.monotonic_ns = { _ in
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        }
        api.hostname = { handle in UnsafePointer(FakeNotifierHost.from(handle).hostnameC) }
        api.state_directory = { handle in UnsafePointer(FakeNotifierHost.from(handle).stateDirectoryC) }
        api.config_path = { handle in UnsafePointer(FakeNotifierHost.from(handle).configPathC) }
        apiPointer.initialize(to: api)
    }

    deinit {
        apiPointer.deallocate()
        free(hostnameC)
        free(stateDirectoryC)
        free(configPathC)
    }

    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ handle: OpaquePointer?) -> FakeNotifierHost {
        Unmanaged<FakeNotifierHost>.fromOpaque(UnsafeRawPointer(handle!)).takeUnretainedValue()
    }

    var allLogText: String { logs.withLock { $0.map { $0.message + " " + $0.fields.values.joined(separator: " ") } }.joined(separator: "\n") }
}

/// What notify() or create() returned.
struct CallResult {
    var code: Int32
    var message: String
    var retryAfterMilliseconds: Int64
    var delivered: Bool { code == NAZAR_OK }
    var isRetry: Bool { code == NAZAR_RETRY }
    var isPermanent: Bool { code == NAZAR_ERROR }
}

/// A notifier plugin loaded from its .so with dlopen and driven through its C
/// descriptor, exactly as nazard does.
final class LoadedNotifier {
    let library: UnsafeMutableRawPointer
    let descriptor: UnsafePointer<nazar_plugin>
    let host: FakeNotifierHost
    var instance: UnsafeMutableRawPointer?
    var created = false

    /// Loads `lib<name>.so` from the build products.
    convenience init(_ name: String, host: FakeNotifierHost = FakeNotifierHost()) throws {
        try self.init(path: "\(TestPaths.buildProducts)/lib\(name).so", host: host)
    }

    /// Loads the plugin at `path`.
    init(path: String, host: FakeNotifierHost = FakeNotifierHost()) throws {
        guard let lib = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw TestFailure("dlopen \(path): \(String(cString: dlerror()))")
        }
        library = lib
        guard let sym = dlsym(lib, "nazar_plugin_entry") else { throw TestFailure("no nazar_plugin_entry in \(path)") }
        let entry = unsafeBitCast(sym, to: nazar_plugin_entry_fn.self)
        guard let d = entry() else { throw TestFailure("entry returned NULL") }
        descriptor = d
        self.host = host
    }

    deinit {
        if created { descriptor.pointee.destroy?(instance) }
        // Swift plugins cannot be unloaded safely (runtime metadata); nazard never dlcloses them either.
    }

    /// create() with `config` (a JSON object).
    @discardableResult
    func create(_ config: String) -> CallResult {
        withError { err in
            let rc = descriptor.pointee.create(host.apiPointer, host.handle, config, &instance, err)
            if rc == NAZAR_OK { created = true }
            return rc
        }
    }

    func notify(_ alert: TestAlert) -> CallResult {
        withError { err in alert.withCAlert { descriptor.pointee.notify(instance, $0, err) } }
    }

    private func withError(_ body: (UnsafeMutablePointer<nazar_error>) -> Int32) -> CallResult {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 1024)
        defer { buffer.deallocate() }
        buffer[0] = 0
        var err = nazar_error(struct_size: UInt32(MemoryLayout<nazar_error>.size), message_capacity: 1024,
                              message: buffer, retry_after_ms: 0)
        let rc = body(&err)
        return CallResult(code: rc, message: String(cString: buffer), retryAfterMilliseconds: err.retry_after_ms)
    }
}

/// An alert as the host delivers it to notify().
struct TestAlert {
    var rule = "cpu_high"
    var severity: UInt32 = UInt32(NAZAR_SEVERITY_CRITICAL)
    var firing = true
    var labels: [(String, String)] = [("host", "web1"), ("metric", "cpu.total"), ("cpu", "all")]
    var summary = "cpu.total 97.2% > 90% for 5m"
    var value = 97.2
    var startsAt: Int64 = 1_795_000_000_000_000_000  // 2026-11-18 11:06:40 UTC
    var timestamp: Int64 = 1_795_000_300_000_000_000
    var fingerprint: UInt64 = 0xabcdef0123456789
    var source = "detector-threshold"

    func withCAlert<R>(_ body: (UnsafePointer<nazar_alert>) -> R) -> R {
        var cStrings: [UnsafeMutablePointer<CChar>] = []
        defer { cStrings.forEach { free($0) } }
        func c(_ s: String) -> UnsafeMutablePointer<CChar> { let p = strdup(s)!; cStrings.append(p); return p }
        let cLabels = labels.map { nazar_label(key: c($0.0), value: c($0.1)) }
        return cLabels.withUnsafeBufferPointer { lp in
            var a = nazar_alert()
            a.struct_size = UInt32(MemoryLayout<nazar_alert>.size)
            a.severity = severity
            a.state = UInt32(firing ? NAZAR_ALERT_FIRING : NAZAR_ALERT_RESOLVED)
            a.label_count = UInt32(labels.count)
            a.rule = UnsafePointer(c(rule))
            a.labels = lp.baseAddress
            a.summary = UnsafePointer(c(summary))
            a.value = value
            a.score = .nan
            a.timestamp_ns = timestamp
            a.starts_at_ns = startsAt
            a.fingerprint = fingerprint
            a.source = UnsafePointer(c(source))
            return withUnsafePointer(to: &a) { body($0) }
        }
    }
}
