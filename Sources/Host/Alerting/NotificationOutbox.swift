/// Where group notifications wait for their notifier: the configured Storage (persistent:
/// an accepted alert survives a restart) or, with `storage.backend = "none"`, memory.
///
/// Threading: implementations are safe to call from the manager's thread and every
/// delivery worker at once. Errors: `StorageError` from the store underneath.
public protocol NotificationOutbox: AnyObject, Sendable {
    /// "sqlite", "postgresql" or "memory", for logs.
    var kind: String { get }
    func enqueue(notifier: String, fingerprint: UInt64, payload: String, at: Int64) throws(StorageError) -> Int64
    func leaseHead(notifier: String, now: Int64, leaseFor: Int64) throws(StorageError) -> OutboxHead
    func markDelivered(id: Int64, at: Int64) throws(StorageError)
    func markFailed(id: Int64, error: String, retryAt: Int64?) throws(StorageError)
    /// Makes leases of a previous process due again (called once, at start).
    func releaseLeases() throws(StorageError) -> Int
    /// Entries still to deliver, per notifier.
    func undeliveredCounts() throws(StorageError) -> [String: Int]
    /// Forgets delivered and failed entries older than `before` (they only serve listings).
    func prune(before: Int64) throws(StorageError) -> Int
}

/// The outbox in the daemon's Storage.
public final class StorageOutbox: NotificationOutbox {
    public let storage: any Storage
    public var kind: String { storage.backendName }

    public init(storage: any Storage) { self.storage = storage }

    public func enqueue(notifier: String, fingerprint: UInt64, payload: String, at: Int64) throws(StorageError) -> Int64 {
        try storage.enqueueNotification(notifier: notifier, fingerprint: fingerprint, payload: payload, at: at)
    }
    public func leaseHead(notifier: String, now: Int64, leaseFor: Int64) throws(StorageError) -> OutboxHead {
        try storage.leaseHeadNotification(notifier: notifier, now: now, leaseFor: leaseFor)
    }
    public func markDelivered(id: Int64, at: Int64) throws(StorageError) { try storage.markDelivered(id: id, at: at) }
    public func markFailed(id: Int64, error: String, retryAt: Int64?) throws(StorageError) {
        try storage.markFailed(id: id, error: error, retryAt: retryAt)
    }
    public func releaseLeases() throws(StorageError) -> Int { try storage.releaseNotificationLeases() }
    public func undeliveredCounts() throws(StorageError) -> [String: Int] { try storage.undeliveredNotificationCounts() }
    public func prune(before: Int64) throws(StorageError) -> Int { try storage.deleteFinishedNotifications(before: before) }
}

/// An outbox in memory, for `storage.backend = "none"`: same ordering and retry semantics,
/// but what is queued is lost with the process (the daemon says so in the journal).
public final class MemoryOutbox: NotificationOutbox, @unchecked Sendable {
    private struct Item {
        var entry: OutboxEntry
        var leaseUntil: Int64
    }

    public var kind: String { "memory" }
    private let lock = ConditionLock()
    private var queues: [String: [Item]] = [:]
    private var nextID: Int64 = 1

    public init() {}

    public func enqueue(notifier: String, fingerprint: UInt64, payload: String, at: Int64) -> Int64 {
        lock.withLock {
            let id = nextID
            nextID += 1
            let entry = OutboxEntry(id: id, notifier: notifier, fingerprint: fingerprint, payload: payload, state: .pending,
                                    attempts: 0, nextAttemptAt: at, lastError: "", createdAt: at)
            queues[notifier, default: []].append(Item(entry: entry, leaseUntil: 0))
            return id
        }
    }

    public func leaseHead(notifier: String, now: Int64, leaseFor: Int64) -> OutboxHead {
        lock.withLock {
            guard var head = queues[notifier]?.first else { return .empty }
            if head.entry.state == .leased && head.leaseUntil > now { return .notBefore(head.leaseUntil) }
            if head.entry.state == .pending && head.entry.nextAttemptAt > now { return .notBefore(head.entry.nextAttemptAt) }
            head.entry.state = .leased
            head.leaseUntil = now + leaseFor
            queues[notifier]?[0] = head
            return .leased(head.entry)
        }
    }

    /// Delivered and failed entries leave memory at once: nothing lists them later.
    public func markDelivered(id: Int64, at: Int64) { remove(id) }

    public func markFailed(id: Int64, error: String, retryAt: Int64?) {
        guard let retryAt else { remove(id); return }
        lock.withLock {
            for (notifier, items) in queues {
                if let i = items.firstIndex(where: { $0.entry.id == id }) {
                    queues[notifier]?[i].entry.state = .pending
                    queues[notifier]?[i].entry.attempts += 1
                    queues[notifier]?[i].entry.nextAttemptAt = retryAt
                    queues[notifier]?[i].entry.lastError = error
                    return
                }
            }
        }
    }

    public func releaseLeases() -> Int { 0 }

    /// Finished entries never stay in memory: nothing to prune.
    public func prune(before: Int64) -> Int { 0 }

    public func undeliveredCounts() -> [String: Int] {
        lock.withLock { queues.filter { !$0.value.isEmpty }.mapValues(\.count) }
    }

    private func remove(_ id: Int64) {
        lock.withLock {
            for (notifier, items) in queues {
                if let i = items.firstIndex(where: { $0.entry.id == id }) {
                    queues[notifier]?.remove(at: i)
                    return
                }
            }
        }
    }
}
