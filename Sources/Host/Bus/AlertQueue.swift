/// A bounded FIFO of alerts for one notifier instance. Alerts are rare next to points,
/// so this is a plain locked array; when it is full the oldest alert is dropped and
/// counted (the persistent outbox replaces this for delivery guarantees).
public final class AlertQueue: @unchecked Sendable {
    public let capacity: Int
    private let lock = ConditionLock()
    private var items: [AlertEvent] = []
    private var head = 0
    private var closed = false
    private(set) var droppedTotal: UInt64 = 0
    private(set) var enqueuedTotal: UInt64 = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues an alert; returns false when an older alert had to be dropped for it.
    @discardableResult
    public func push(_ alert: AlertEvent) -> Bool {
        lock.withLock {
            guard !closed else { droppedTotal &+= 1; return false }
            var ok = true
            if items.count - head >= capacity {
                head += 1
                droppedTotal &+= 1
                ok = false
            }
            items.append(alert)
            enqueuedTotal &+= 1
            lock.signal(.first)
            return ok
        }
    }

    /// Takes the oldest alert, waiting until the monotonic deadline; nil on timeout/close.
    public func pop(untilMonotonicNanoseconds deadline: Int64) -> AlertEvent? {
        lock.withLock {
            while head == items.count && !closed {
                if !lock.wait(.first, untilMonotonicNanoseconds: deadline) && head == items.count { return nil }
            }
            guard head < items.count else { return nil }
            let a = items[head]
            head += 1
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return a
        }
    }

    public var depth: Int { lock.withLock { items.count - head } }
    /// Whether `close()` was called (queued alerts may still be popped).
    public var isClosed: Bool { lock.withLock { closed } }
    public var dropped: UInt64 { lock.withLock { droppedTotal } }

    public func wake() { lock.withLock { lock.broadcast(.first) } }

    public func close() { lock.withLock { closed = true; lock.broadcast(.first) } }
}
