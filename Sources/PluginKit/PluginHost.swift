import PluginAPI

/// A plugin instance's handle on the host: logging, clocks, series registration,
/// publishing points and raising alerts.
///
/// Safe to use from any thread (the ABI allows host calls from any thread); valid from
/// the instance's `init` until `stop()` returns.
public struct PluginHost: @unchecked Sendable {
    public let api: UnsafePointer<nazar_host_api>
    public let handle: OpaquePointer

    public init(api: UnsafePointer<nazar_host_api>, handle: OpaquePointer) {
        self.api = api
        self.handle = handle
    }

    public enum LogLevel: Int32, Sendable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    /// Logs with structured fields (journal fields under systemd, logfmt otherwise).
    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        withLabels(fields) { labels, count in
            api.pointee.log?(handle, level.rawValue, message, labels, count)
        }
    }

    /// Wall clock, ns since the Unix epoch.
    public func nowNanoseconds() -> Int64 { api.pointee.now_ns?(handle) ?? 0 }

    /// Monotonic clock in ns.
    public func monotonicNanoseconds() -> Int64 { api.pointee.monotonic_ns?(handle) ?? 0 }

    public var hostname: String { api.pointee.hostname?(handle).map { String(cString: $0) } ?? "" }

    /// A directory private to this instance for persistent state.
    public var stateDirectory: String { api.pointee.state_directory?(handle).map { String(cString: $0) } ?? "" }

    /// The plugins.d file this instance's config came from, or nil when the host is older
    /// than `config_path` or the instance has no file.
    public var configPath: String? {
        let size = Int(api.pointee.struct_size)
        // A host built before config_path existed hands a shorter table: never read past it.
        guard let offset = MemoryLayout<nazar_host_api>.offset(of: \.config_path),
              size >= offset + MemoryLayout<UnsafeRawPointer>.size,
              let path = api.pointee.config_path?(handle) else { return nil }
        let text = String(cString: path)
        return text.isEmpty ? nil : text
    }

    /// Registers a series and returns its id, or nil when the host refused it (invalid
    /// name or label, or the series limit; the host logs why).
    public func registerSeries(_ name: String, labels: [(String, String)] = []) -> UInt64? {
        let id = withLabels(labels) { ptr, count in
            api.pointee.series_register?(handle, name, ptr, count) ?? 0
        }
        return id == 0 ? nil : id
    }

    /// Publishes the points in `writer` and empties it. Returns the host's code
    /// (`NAZAR_OK`, or `NAZAR_DROPPED` under sustained back-pressure).
    @discardableResult
    public func publish(_ writer: inout PointWriter) -> Int32 {
        defer { writer.removeAll() }
        guard !writer.points.isEmpty else { return Int32(NAZAR_OK) }
        return writer.points.withUnsafeBufferPointer { buffer in
            var batch = nazar_point_batch(
                struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                point_size: UInt32(MemoryLayout<nazar_point>.stride),
                count: UInt64(buffer.count),
                points: buffer.baseAddress)
            return api.pointee.publish?(handle, &batch) ?? Int32(NAZAR_STOPPED)
        }
    }

    /// Raises (fires) an alert; idempotent on rule + labels.
    @discardableResult
    public func raise(_ alert: AlertSpec) -> Int32 {
        alert.withCAlert { api.pointee.alert_raise?(handle, $0) ?? Int32(NAZAR_STOPPED) }
    }

    /// Resolves an alert raised earlier with the same rule + labels.
    @discardableResult
    public func resolve(_ alert: AlertSpec) -> Int32 {
        alert.withCAlert { api.pointee.alert_resolve?(handle, $0) ?? Int32(NAZAR_STOPPED) }
    }
}

/// Calls `body` with a C array of labels whose strings live for the call.
func withLabels<R>(_ pairs: [(String, String)], _ body: (UnsafePointer<nazar_label>?, UInt32) -> R) -> R {
    if pairs.isEmpty { return body(nil, 0) }
    var storage: [UnsafeMutablePointer<CChar>] = []
    storage.reserveCapacity(pairs.count * 2)
    defer { storage.forEach { free($0) } }
    var labels: [nazar_label] = []
    labels.reserveCapacity(pairs.count)
    for (k, v) in pairs {
        guard let ck = strdup(k), let cv = strdup(v) else { continue }
        storage.append(ck); storage.append(cv)
        labels.append(nazar_label(key: ck, value: cv))
    }
    return labels.withUnsafeBufferPointer { body($0.baseAddress, UInt32($0.count)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
