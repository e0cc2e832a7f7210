import Logging
import PluginAPI

/// The outbox side of one notifier instance: the instance's own worker thread (which makes
/// every call into the plugin, keeping the ABI's one-thread-per-instance promise) asks it
/// for the next notification, calls notify(), and reports the result here.
///
/// Deliveries are strictly oldest first: while the head entry waits for a retry, later
/// ones wait behind it (a resolved never overtakes its firing). Threading: `next` and
/// `complete` are called by that one worker; `wake` and `close` from any thread.
public final class NotifierDelivery: @unchecked Sendable {
    /// A leased entry and the alert to hand to notify().
    public struct Pending: Sendable {
        public var entry: OutboxEntry
        public var notification: GroupNotification
    }

    public let notifier: String
    private let outbox: any NotificationOutbox
    private let settings: OutboxSettings
    private let clock: any AlertingClock
    private let counters: AlertingCounters
    private let logger: Logger
    private let lock = ConditionLock()
    private var woken = false
    private var closed = false
    /// How long a lease holds: past the instance's call_timeout a call is quarantined, so
    /// a replacement instance may take the entry over soon after.
    private let leaseFor: Int64
    private let storeWarnings = RateLimiter(intervalNanoseconds: 60_000_000_000)

    /// `callTimeout`: the instance's call_timeout (the lease lasts one second longer).
    public init(notifier: String, outbox: any NotificationOutbox, settings: OutboxSettings, clock: any AlertingClock,
                counters: AlertingCounters, callTimeout: Duration = .seconds(10), logger: Logger) {
        self.notifier = notifier
        leaseFor = max(callTimeout.nanoseconds, 0) + 1_000_000_000
        self.outbox = outbox
        self.settings = settings
        self.clock = clock
        self.counters = counters
        var l = logger
        l[metadataKey: "nazar_plugin"] = "\(notifier)"
        self.logger = l
    }

    /// The next due notification, waiting at most `maxWait` nanoseconds (real time) for
    /// one; nil on timeout or after `close()`. Entries that cannot be decoded or are older
    /// than max_age fail here, with a journal line, and are skipped.
    public func next(maxWait: Int64 = 1_000_000_000) -> Pending? {
        let deadline = monotonicNanoseconds() + maxWait
        while true {
            if lock.withLock({ closed }) { return nil }
            let now = clock.now()
            var wakeAt = deadline
            do {
                switch try outbox.leaseHead(notifier: notifier, now: now, leaseFor: leaseFor) {
                case let .leased(entry):
                    if let pending = admit(entry, now: now) { return pending }
                    continue
                case let .notBefore(t):
                    wakeAt = min(deadline, monotonicNanoseconds() + max(0, t - now))
                case .empty:
                    break
                }
            } catch {
                if storeWarnings.allow() {
                    logger.warning("outbox unavailable, delivery waits: \(error)", metadata: ["nazar_event": "outbox_unavailable"])
                }
            }
            let timedOut = lock.withLock {
                while !woken && !closed && monotonicNanoseconds() < wakeAt {
                    lock.wait(.first, untilMonotonicNanoseconds: wakeAt)
                }
                let wasWoken = woken
                woken = false
                return !wasWoken && monotonicNanoseconds() >= deadline
            }
            if timedOut { return nil }
        }
    }

    /// Records the outcome of one notify() call: `rc` is its return code, `message` the
    /// plugin's error text, `retryAfterMilliseconds` its nazar_error.retry_after_ms.
    public func complete(_ pending: Pending, rc: Int32, message: String, retryAfterMilliseconds: Int64) {
        let entry = pending.entry
        let now = clock.now()
        let alert = pending.notification.alert
        if rc == NAZAR_OK {
            counters.delivered.add(1, ordering: .relaxed)
            store("mark delivered") { () throws(StorageError) in try outbox.markDelivered(id: entry.id, at: now) }
            return
        }
        let attempts = entry.attempts + 1
        if rc == NAZAR_RETRY {
            let tooOld = now - entry.createdAt >= settings.maxAge.nanoseconds
            let tooMany = settings.maxAttempts > 0 && attempts >= settings.maxAttempts
            if !tooOld && !tooMany {
                let delay = DeliveryBackoff.delay(attempt: attempts, retryAfterMilliseconds: retryAfterMilliseconds,
                                                  settings: settings)
                counters.retries.add(1, ordering: .relaxed)
                logger.warning("notify will retry for \(alert.rule) in \(delay / 1_000_000) ms: \(message)", metadata: [
                    "nazar_event": "notify_retry", "nazar_alert": "\(alert.rule)", "nazar_attempt": "\(attempts)",
                    "nazar_fingerprint": "\(hex(alert.fingerprint))",
                ])
                store("reschedule") { () throws(StorageError) in
                    try outbox.markFailed(id: entry.id, error: message, retryAt: now + delay)
                }
                return
            }
            let why = tooOld ? "gave up: older than max_age \(formatDuration(settings.maxAge))"
                             : "gave up after \(attempts) attempts (max_attempts)"
            fail(pending, reason: "\(why); last error: \(message)", attempts: attempts, now: now)
            return
        }
        fail(pending, reason: message, attempts: attempts, now: now)
    }

    /// Makes a waiting `next` look at the outbox again (something was enqueued).
    public func wake() {
        lock.withLock {
            woken = true
            lock.broadcast(.first)
        }
    }

    /// Ends every wait; `next` returns nil from now on.
    public func close() {
        lock.withLock {
            closed = true
            lock.broadcast(.first)
        }
    }

    private func admit(_ entry: OutboxEntry, now: Int64) -> Pending? {
        let notification: GroupNotification
        do {
            notification = try GroupNotification(payload: entry.payload)
        } catch {
            failEntry(entry, reason: "\(error)", rule: "", fingerprint: entry.fingerprint, attempts: entry.attempts)
            return nil
        }
        if entry.createdAt > 0 && now - entry.createdAt >= settings.maxAge.nanoseconds {
            let reason = "expired: not delivered within max_age \(formatDuration(settings.maxAge))"
            failEntry(entry, reason: entry.lastError.isEmpty ? reason : "\(reason); last error: \(entry.lastError)",
                      rule: notification.alert.rule, fingerprint: entry.fingerprint, attempts: entry.attempts)
            return nil
        }
        return Pending(entry: entry, notification: notification)
    }

    private func fail(_ pending: Pending, reason: String, attempts: Int, now: Int64) {
        failEntry(pending.entry, reason: reason, rule: pending.notification.alert.rule,
                  fingerprint: pending.entry.fingerprint, attempts: attempts)
    }

    /// Permanent failure: never retried, counted, and in the journal as notify_failed
    /// (the plugin's message never holds its secret: plugins keep tokens out of errors).
    private func failEntry(_ entry: OutboxEntry, reason: String, rule: String, fingerprint: UInt64, attempts: Int) {
        counters.notifyFailed.add(1, ordering: .relaxed)
        logger.error("notify failed permanently for \(rule.isEmpty ? "notification \(entry.id)" : rule): \(reason)", metadata: [
            "nazar_event": "notify_failed", "nazar_alert": "\(rule)", "nazar_fingerprint": "\(hex(fingerprint))",
            "nazar_attempt": "\(attempts)", "nazar_outbox_id": "\(entry.id)",
        ])
        store("mark failed") { () throws(StorageError) in try outbox.markFailed(id: entry.id, error: reason, retryAt: nil) }
    }

    private func store(_ what: String, _ body: () throws(StorageError) -> Void) {
        do {
            try body()
        } catch {
            // The lease expires and the entry is tried again: at worst delivered twice, never lost.
            logger.error("outbox: cannot \(what): \(error)", metadata: ["nazar_event": "outbox_write_failed"])
        }
    }
}

/// A fingerprint as journal fields and `nazarctl` show it.
func hex(_ fingerprint: UInt64) -> String {
    let s = String(fingerprint, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
