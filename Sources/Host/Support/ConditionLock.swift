#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with two condition variables timed on CLOCK_MONOTONIC.
///
/// The bus and the instance workers block OS threads (plugin calls are blocking C calls
/// and must stay off Swift's cooperative pool), so they need real condition variables
/// rather than async primitives. The pthread objects live in allocated memory because
/// they must never move.
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>

    /// Condition variable indices.
    public enum Condition: Int, Sendable { case first = 0, second = 1 }

    public init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        conditions = .allocate(capacity: 2)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(conditions, &attr)
        pthread_cond_init(conditions + 1, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(conditions)
        pthread_cond_destroy(conditions + 1)
        conditions.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) public func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) public func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always)
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (lock held) until signalled or until the monotonic deadline; returns false on timeout.
    @discardableResult
    public func wait(_ condition: Condition, untilMonotonicNanoseconds deadline: Int64) -> Bool {
        if deadline == .max {
            pthread_cond_wait(conditions + condition.rawValue, mutex)
            return true
        }
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(conditions + condition.rawValue, mutex, &ts) == 0
    }

    @inline(__always) public func signal(_ condition: Condition) { pthread_cond_signal(conditions + condition.rawValue) }
    @inline(__always) public func broadcast(_ condition: Condition) { pthread_cond_broadcast(conditions + condition.rawValue) }
}

/// CLOCK_MONOTONIC in nanoseconds.
@inline(__always)
public func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// CLOCK_MONOTONIC_COARSE in nanoseconds: the same timebase at tick resolution (a few
/// ms), for about 5 ns instead of 30 in a VM. Good for deadlines of seconds.
@inline(__always)
public func coarseMonotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// CLOCK_REALTIME in nanoseconds since the Unix epoch.
@inline(__always)
public func wallClockNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    public var nanoseconds: Int64 {
        let (s, atto) = components
        let (m, o) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if o { return s < 0 ? .min : .max }
        return m.addingReportingOverflow(atto / 1_000_000_000).overflow ? .max : m + atto / 1_000_000_000
    }
}
