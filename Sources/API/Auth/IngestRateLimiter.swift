import Host
import Synchronization

/// Token buckets in points per second, one per key id.
///
/// A batch takes as many tokens as it has points; a batch larger than the bucket only
/// needs a full bucket (otherwise it could never pass). Thread-safe.
public final class IngestRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Int64
    }

    private let buckets = Mutex([String: Bucket]())

    public init() {}

    /// Takes `points` tokens from `keyID`'s bucket, refilled at `rate`/s up to `burst`.
    /// Returns nil when allowed, else the whole seconds to wait (Retry-After, at least 1).
    public func take(keyID: String, points: Int, rate: Int, burst: Int, now: Int64 = monotonicNanoseconds()) -> Int? {
        let capacity = Double(max(burst, 1))
        let cost = min(Double(points), capacity)
        return buckets.withLock { all -> Int? in
            var b = all[keyID] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(max(0, now - b.updated)) / 1e9
            b.tokens = min(capacity, b.tokens + elapsed * Double(rate))
            b.updated = now
            defer { all[keyID] = b }
            if b.tokens >= cost {
                b.tokens -= cost
                return nil
            }
            let wait = (cost - b.tokens) / Double(max(rate, 1))
            return max(1, Int(wait.rounded(.up)))
        }
    }
}
