import Synchronization

/// The server's own counters for `/metrics`: requests and latency per route and status,
/// ingest points accepted and refused. Thread-safe (one mutex; a request touches it once).
public final class HTTPMetrics: Sendable {
    /// Upper bounds (seconds) of the request latency histogram buckets.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    public struct RouteKey: Hashable, Sendable {
        public var method: String
        public var route: String
        public var status: Int
    }

    public struct Latency: Sendable {
        /// Cumulative-ready counts per bucket (not cumulative here; `/metrics` sums them).
        public var buckets: [UInt64] = Array(repeating: 0, count: HTTPMetrics.latencyBuckets.count)
        public var count: UInt64 = 0
        public var sum: Double = 0
    }

    public struct Snapshot: Sendable {
        public var requests: [RouteKey: UInt64] = [:]
        /// Keyed by method and route (status left at 0).
        public var latency: [RouteKey: Latency] = [:]
        public var pointsAccepted: UInt64 = 0
        public var pointsRefused: UInt64 = 0
        public var bodyBytes: UInt64 = 0
        public var rateLimited: UInt64 = 0
        public var authRefused: UInt64 = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Records one finished request.
    public func request(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[RouteKey(method: method, route: route, status: status), default: 0] += 1
            let key = RouteKey(method: method, route: route, status: 0)
            var l = s.latency[key] ?? Latency()
            l.count += 1
            l.sum += seconds
            if let i = Self.latencyBuckets.firstIndex(where: { seconds <= $0 }) { l.buckets[i] += 1 }
            s.latency[key] = l
            if status == 429 { s.rateLimited += 1 }
            if status == 401 || status == 403 { s.authRefused += 1 }
        }
    }

    /// Records the outcome of one ingest request.
    public func ingest(accepted: Int, refused: Int, bodyBytes: Int) {
        state.withLock { s in
            s.pointsAccepted += UInt64(accepted)
            s.pointsRefused += UInt64(refused)
            s.bodyBytes += UInt64(bodyBytes)
        }
    }
}
