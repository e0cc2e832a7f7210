@testable import CollectorSystem
import PluginAPI
import PluginKit
import Synchronization
import Testing
// Shared helpers (withErrorBuffer …): the TestSupport target.
@_exported import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory tree standing in for /proc; removed by `remove()`.
final class FixtureTree {
    let root: String
    private var files: [String] = []
    private var dirs: [String] = []

    init() {
        var template = Array("/tmp/nazar-proc-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        root = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Writes `text` to `relative`, creating parent directories.
    func write(_ relative: String, _ text: String) {
        var path = root
        for part in relative.split(separator: "/").dropLast() {
            path += "/" + part
            if mkdir(path, 0o755) == 0 { dirs.append(path) }
        }
        let full = root + "/" + relative
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(full)")
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        precondition(written == bytes.count)
        close(fd)
        if !files.contains(full) { files.append(full) }
    }

    func delete(_ relative: String) {
        let full = root + "/" + relative
        unlink(full)
        files.removeAll { $0 == full }
    }

    func deleteDirectory(_ relative: String) {
        let full = root + "/" + relative
        for f in files where f.hasPrefix(full + "/") { unlink(f) }
        files.removeAll { $0.hasPrefix(full + "/") }
        rmdir(full)
        dirs.removeAll { $0 == full }
    }

    func remove() {
        for f in files { unlink(f) }
        for d in dirs.reversed() { rmdir(d) }
        rmdir(root)
    }
}

/// A /proc/[pid]/stat line with the fields the collector reads set and the rest plausible.
func pidStatLine(pid: Int, comm: String, utime: UInt64, stime: UInt64, startTime: UInt64, rssPages: UInt64) -> String {
    "\(pid) (\(comm)) S 1 \(pid) \(pid) 0 -1 4194560 1234 0 0 0 \(utime) \(stime) 0 0 20 -2 1 0 "
        + "\(startTime) 12345678 \(rssPages) 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
}

/// A host function table over plain Swift state, so tests can drive the plugin through
/// the C ABI exactly as nazard does and see what it registered, published and logged.
final class FakeHost: @unchecked Sendable {
    struct Series: Equatable {
        var name: String
        var labels: [String: String]
    }

    struct Point {
        var series: Series
        var timestamp: Int64
        var value: Double
    }

    struct State {
        var series: [Series] = []  // id = index + 1
        var registrations = 0
        var batches: [[Point]] = []
        var logs: [(level: Int32, message: String)] = []
        /// Series names the host refuses to register (to test refusals).
        var refuse: Set<String> = []
    }

    let state = Mutex(State())
    /// Stable storage: the plugin keeps the table pointer until destroy().
    let apiPointer = UnsafeMutablePointer<nazar_host_api>.allocate(capacity: 1)

    deinit { apiPointer.deallocate() }

    init() {
        var api = nazar_host_api()
        defer { apiPointer.initialize(to: api) }
        api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
        api.abi_version = UInt32(NAZAR_ABI_VERSION)
        api.log = { handle, level, message, _, _ in
            FakeHost.from(handle).state.withLock {
                $0.logs.append((level, message.map { String(cString: $0) } ?? ""))
            }
        }
        api.now_ns = { _ in 0 }
        api.monotonic_ns = { _ in 0 }
        api.series_register = { handle, name, labels, count in
            let name = String(cString: name!)
            var dict: [String: String] = [:]
            for i in 0..<Int(count) {
                dict[String(cString: labels![i].key)] = String(cString: labels![i].value)
            }
            let series = Series(name: name, labels: dict)
            return FakeHost.from(handle).state.withLock { s -> UInt64 in
                s.registrations += 1
                if s.refuse.contains(name) { return 0 }
                if let i = s.series.firstIndex(of: series) { return UInt64(i + 1) }
                s.series.append(series)
                return UInt64(s.series.count)
            }
        }
        api.publish = { handle, batch in
            let b = batch!.pointee
            FakeHost.from(handle).state.withLock { s in
                var points: [Point] = []
                for i in 0..<Int(b.count) {
                    let raw = UnsafeRawPointer(b.points!) + i * Int(b.point_size)
                    let p = raw.assumingMemoryBound(to: nazar_point.self).pointee
                    points.append(Point(series: s.series[Int(p.series) - 1], timestamp: p.timestamp_ns, value: p.value))
                }
                s.batches.append(points)
            }
            return Int32(NAZAR_OK)
        }
    }

    static func from(_ handle: OpaquePointer?) -> FakeHost {
        Unmanaged<FakeHost>.fromOpaque(UnsafeRawPointer(handle!)).takeUnretainedValue()
    }

    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    var lastBatch: [Point] { state.withLock { $0.batches.last ?? [] } }
    var logs: [(level: Int32, message: String)] { state.withLock { $0.logs } }

    /// The value of a series in the last batch.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        lastBatch.first { $0.series == Series(name: name, labels: labels) }?.value
    }

    func points(named name: String) -> [Point] { lastBatch.filter { $0.series.name == name } }
}

/// The plugin's C descriptor, as nazard sees it after dlsym.
func pluginDescriptor() -> UnsafePointer<nazar_plugin> {
    nazarPluginEntry().assumingMemoryBound(to: nazar_plugin.self)
}

/// One plugin instance created through the C descriptor.
struct CInstance {
    let plugin: UnsafePointer<nazar_plugin>
    let instance: UnsafeMutableRawPointer?

    /// Creates an instance; on failure returns the error message.
    static func create(_ host: FakeHost, config: String) -> Result<CInstance, CError> {
        let plugin = pluginDescriptor()
        var instance: UnsafeMutableRawPointer?
        let (code, message) = withErrorBuffer { err in
            plugin.pointee.create!(host.apiPointer, host.handle, config, &instance, err)
        }
        guard code == NAZAR_OK else { return .failure(CError(code: code, message: message)) }
        return .success(CInstance(plugin: plugin, instance: instance))
    }

    func start() -> Int32 { withErrorBuffer { plugin.pointee.start!(instance, $0) }.0 }

    func collect(_ now: Int64) -> CError {
        let (code, message) = withErrorBuffer { plugin.pointee.collect!(instance, now, $0) }
        return CError(code: code, message: message)
    }

    func stopAndDestroy() {
        plugin.pointee.stop!(instance)
        plugin.pointee.destroy!(instance)
    }
}

struct CError: Error {
    var code: Int32
    var message: String
}


/// A Swift-level host for unit tests of sources: numbers series and records logs.
final class RecordingHost: CollectorHost {
    var registered: [(String, [(String, String)])] = []
    var refused: Set<String> = []
    var logs: [(PluginHost.LogLevel, String)] = []

    func registerSeries(_ name: String, labels: [(String, String)]) -> UInt64? {
        registered.append((name, labels))
        return refused.contains(name) ? nil : UInt64(registered.count)
    }

    func log(_ level: PluginHost.LogLevel, _ message: String, _ fields: [(String, String)]) {
        logs.append((level, message))
    }
}
