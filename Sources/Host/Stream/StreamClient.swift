/// One connected stream subscriber: a bounded queue of encoded SSE bytes between the
/// hub's fan-out thread (producer) and the HTTP response writer (consumer, async).
///
/// The producer never waits: when the unsent bytes would exceed the bound the client is
/// closed as too slow (`closeReason == .slow`) and its queue dropped, so one stalled
/// browser cannot hold memory or delay the others. Thread-safe.
public final class StreamClient: @unchecked Sendable {
    /// Why a client's stream ended.
    public enum CloseReason: String, Sendable {
        /// Its queue went over `StreamSettings.clientQueueBytes`.
        case slow
        /// The HTTP side went away or asked to stop.
        case disconnected
        /// The hub stopped.
        case shutdown
    }

    public let id: Int
    /// The filter's key: clients with equal keys share their encoded events.
    public let filterKey: String
    let filter: StreamFilter
    /// Fan-out thread only: the id of the last event handled for this client.
    var cursor: UInt64
    /// Fan-out thread only: a resume that came too late; send `reset` first.
    var pendingReset: UInt64?

    private let lock = ConditionLock()
    private let limit: Int
    private var chunks: [[UInt8]] = []
    private var queuedBytes = 0
    private var reason: CloseReason?
    private var waiter: CheckedContinuation<[UInt8]?, Never>?

    init(id: Int, filter: StreamFilter, cursor: UInt64, limit: Int) {
        self.id = id
        self.filter = filter
        filterKey = filter.key
        self.cursor = cursor
        self.limit = limit
    }

    /// Why the stream ended, nil while it runs.
    public var closeReason: CloseReason? { lock.withLock { reason } }

    /// Bytes queued and not yet taken by `next()`.
    public var pendingBytes: Int { lock.withLock { queuedBytes } }

    /// Queues bytes for the client; false (and the client closed as slow) when they do not
    /// fit, false without effect when it is already closed.
    @discardableResult
    func offer(_ bytes: [UInt8]) -> Bool {
        let resume: (CheckedContinuation<[UInt8]?, Never>, [UInt8]?)? = lock.withLock {
            guard reason == nil else { return nil }
            if let w = waiter {
                waiter = nil
                return (w, bytes)
            }
            if queuedBytes + bytes.count > limit {
                reason = .slow
                chunks = []
                queuedBytes = 0
                return nil
            }
            chunks.append(bytes)
            queuedBytes += bytes.count
            return nil
        }
        if let (w, b) = resume { w.resume(returning: b) }
        return closeReason == nil
    }

    /// Everything queued, concatenated, waiting until something is; nil once the client is
    /// closed (queued bytes of a client closed as slow are dropped). One consumer at a time;
    /// cancelling the calling task closes the client.
    public func next() async -> [UInt8]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
                let ready: [UInt8]?? = lock.withLock {
                    if !chunks.isEmpty {
                        let out = chunks.count == 1 ? chunks[0] : Array(chunks.joined())
                        chunks = []
                        queuedBytes = 0
                        return .some(out)
                    }
                    if reason != nil { return .some(nil) }
                    waiter = c
                    return .none
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            close(.disconnected)
        }
    }

    /// Ends the stream; a waiting `next()` returns nil.
    public func close(_ why: CloseReason) {
        let w: CheckedContinuation<[UInt8]?, Never>? = lock.withLock {
            if reason == nil { reason = why }
            chunks = []
            queuedBytes = 0
            defer { waiter = nil }
            return waiter
        }
        w?.resume(returning: nil)
    }
}
