import Host
import IngestFormat
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// Turns parsed points into bus points: interns each series in the bus's `SeriesRegistry`
/// straight from the parser's C strings (known series cost a hash and a compare, no
/// allocation), enforces the key's host restriction and stamps points without a
/// timestamp with the receive time. Points are kept until the request is accepted as a
/// whole (rate limit), then published at once.
///
/// One per request; not thread-safe.
struct BusIngestSink: IngestSink {
    let registry: SeriesRegistry
    /// Wall-clock ns when the request arrived.
    let receivedAt: Int64
    private let buffers: IngestBuffers
    /// The bus points accepted so far.
    var points: [BusPoint] = []
    /// Points refused because of the key's host restriction (logged per request).
    var hostRefusals = 0

    /// `host` restricts and defaults the `host` label (the key's host); nil leaves the
    /// registry's default (the daemon's host name) for points without one.
    init(registry: SeriesRegistry, host: String?, receivedAt: Int64, expectedPoints: Int) {
        self.registry = registry
        self.receivedAt = receivedAt
        buffers = IngestBuffers(host: host)
        points.reserveCapacity(expectedPoints)
    }

    mutating func accept(_ p: ParsedPoint) -> String? {
        let given = p.labels.count
        guard given <= SeriesRegistry.maxLabels else {
            return "\(given) labels, more than the limit of \(SeriesRegistry.maxLabels)"
        }
        let labels = buffers.labels
        var hasHost = false
        for i in 0..<given {
            let l = p.labels[i]
            if strcmp(l.key, buffers.hostKey) == 0 {
                hasHost = true
                if let host = buffers.host, strcmp(l.value, host) != 0 {
                    hostRefusals += 1
                    return "host '\(String(cString: l.value))' is not this key's host '\(String(cString: host))'"
                }
            }
            labels[i] = nazar_label(key: l.key, value: l.value)
        }
        var count = given
        if !hasHost, let host = buffers.host {
            labels[count] = nazar_label(key: buffers.hostKey, value: host)
            count += 1
        }
        let series: UInt64
        do {
            series = try registry.intern(name: p.name, labels: labels, count: UInt32(count))
        } catch {
            return error.description
        }
        points.append(BusPoint(series: series, timestamp: p.timestamp ?? receivedAt, value: p.value))
        return nil
    }
}

/// C memory a sink hands to the registry: the label array and the key's host string.
private final class IngestBuffers {
    let labels: UnsafeMutablePointer<nazar_label>
    let host: UnsafeMutablePointer<CChar>?
    let hostKey: UnsafeMutablePointer<CChar>

    init(host: String?) {
        labels = .allocate(capacity: SeriesRegistry.maxLabels + 1)
        self.host = host.flatMap { strdup($0) }
        hostKey = strdup("host")
    }

    deinit {
        labels.deallocate()
        free(host)
        free(hostKey)
    }
}
