/// A bounded ring buffer of points for one subscriber, with back-pressure.
///
/// Producers push whole batches under one lock acquisition; the subscriber's worker pops
/// up to a batch at a time. When full, the overflow policy decides: `block` waits up to
/// the block timeout for the consumer to make room and then drops what still does not
/// fit, `dropNewest` drops the incoming overflow at once, `dropOldest` overwrites the
/// oldest queued points. Every dropped point is counted.
public final class PointQueue: @unchecked Sendable {
    public let capacity: Int
    public let overflow: OverflowPolicy
    public let blockTimeoutNanoseconds: Int64

    private let lock = ConditionLock()
    private let buffer: UnsafeMutablePointer<BusPoint>
    private var head = 0
    private var count = 0
    private var closed = false

    // Counters, read by self-metrics under the lock.
    private var enqueuedTotal: UInt64 = 0
    private var dequeuedTotal: UInt64 = 0
    private var droppedTotal: UInt64 = 0
    private var completedTotal: UInt64 = 0

    private static let notEmpty = ConditionLock.Condition.first
    private static let notFull = ConditionLock.Condition.second

    public init(capacity: Int, overflow: OverflowPolicy, blockTimeout: Duration) {
        self.capacity = max(1, capacity)
        self.overflow = overflow
        self.blockTimeoutNanoseconds = blockTimeout.nanoseconds
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    public struct Counters: Sendable, Equatable {
        public var enqueued: UInt64
        public var dequeued: UInt64
        public var dropped: UInt64
        public var depth: Int
    }

    public var counters: Counters {
        lock.withLock { Counters(enqueued: enqueuedTotal, dequeued: dequeuedTotal, dropped: droppedTotal, depth: count) }
    }

    /// Copies `src[range]` into the ring at its tail. Lock held; caller ensured room.
    @inline(__always)
    private func append(_ src: UnsafeBufferPointer<BusPoint>, from start: Int, count n: Int) {
        guard n > 0, let base = src.baseAddress else { return }
        let tail = (head + count) % capacity
        let first = min(n, capacity - tail)
        (buffer + tail).update(from: base + start, count: first)
        if first < n { buffer.update(from: base + start + first, count: n - first) }
        count += n
        enqueuedTotal &+= UInt64(n)
    }

    /// Queues as many of `points` as fit before the monotonic deadline, waiting for room,
    /// and returns how many were queued. Nothing is dropped or counted as dropped: a
    /// broker consumer keeps the rest unacknowledged and offers it again.
    public func pushWaiting(_ points: UnsafeBufferPointer<BusPoint>, untilMonotonicNanoseconds deadline: Int64) -> Int {
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < points.count && !closed {
            let n = min(points.count - offset, capacity - count)
            if n > 0 {
                append(points, from: offset, count: n)
                offset += n
                lock.signal(Self.notEmpty)
                continue
            }
            if !lock.wait(Self.notFull, untilMonotonicNanoseconds: deadline) && count == capacity { break }
        }
        return offset
    }

    /// Pushes points; returns how many were dropped (0 when all were queued).
    /// Returns all as dropped once the queue is closed.
    @discardableResult
    public func push(_ points: UnsafeBufferPointer<BusPoint>) -> Int {
        let total = points.count
        guard total > 0 else { return 0 }
        lock.lock()
        defer { lock.unlock() }
        if closed {
            droppedTotal &+= UInt64(total)
            return total
        }
        var offset = 0
        switch overflow {
        case .dropNewest:
            let n = min(total, capacity - count)
            append(points, from: 0, count: n)
            offset = n
        case .dropOldest:
            // Only the newest `capacity` points of an oversized batch can survive.
            if total >= capacity {
                let dropped = count + total - capacity
                droppedTotal &+= UInt64(dropped)
                head = 0
                count = 0
                append(points, from: total - capacity, count: capacity)
                lock.signal(Self.notEmpty)
                return dropped
            }
            let excess = count + total - capacity
            if excess > 0 {
                head = (head + excess) % capacity
                count -= excess
                droppedTotal &+= UInt64(excess)
            }
            append(points, from: 0, count: total)
            lock.signal(Self.notEmpty)
            return max(0, excess)
        case .block:
            let deadline = monotonicNanoseconds() &+ blockTimeoutNanoseconds
            while offset < total && !closed {
                let n = min(total - offset, capacity - count)
                if n > 0 {
                    append(points, from: offset, count: n)
                    offset += n
                    lock.signal(Self.notEmpty)
                    continue
                }
                if !lock.wait(Self.notFull, untilMonotonicNanoseconds: deadline) && count == capacity {
                    break
                }
            }
        }
        let dropped = total - offset
        droppedTotal &+= UInt64(dropped)
        if offset > 0 { lock.signal(Self.notEmpty) }
        return dropped
    }

    /// Pops up to `max` points into `out`, waiting until at least one is available, the
    /// monotonic deadline passes or the queue is closed. Returns the number popped
    /// (0 on timeout or when closed and drained).
    public func pop(into out: UnsafeMutablePointer<BusPoint>, max: Int, untilMonotonicNanoseconds deadline: Int64) -> Int {
        lock.lock()
        defer { lock.unlock() }
        while count == 0 && !closed {
            if !lock.wait(Self.notEmpty, untilMonotonicNanoseconds: deadline) && count == 0 {
                return 0
            }
        }
        let n = min(max, count)
        guard n > 0 else { return 0 }
        let first = min(n, capacity - head)
        out.update(from: buffer + head, count: first)
        if first < n { (out + first).update(from: buffer, count: n - first) }
        head = (head + n) % capacity
        count -= n
        dequeuedTotal &+= UInt64(n)
        lock.broadcast(Self.notFull)
        return n
    }

    /// Called by the subscriber's worker after a popped batch was fully handled (its
    /// `on_points` returned), so a broker consumer can acknowledge what is really done.
    public func markCompleted(_ n: Int) { lock.withLock { completedTotal &+= UInt64(n) } }

    /// Points popped and reported handled through `markCompleted`.
    public var completedCount: UInt64 { lock.withLock { completedTotal } }

    /// Wakes the consumer without data (used to deliver stop requests and timers).
    public func wake() { lock.withLock { lock.broadcast(Self.notEmpty) } }

    /// Refuses further pushes and wakes everyone; queued points can still be popped.
    public func close() {
        lock.withLock {
            closed = true
            lock.broadcast(Self.notEmpty)
            lock.broadcast(Self.notFull)
        }
    }

    public var isClosed: Bool { lock.withLock { closed } }
}
