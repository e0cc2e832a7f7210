import Foundation
import Logging
import PluginAPI
import Testing
@testable import Host

@Suite("Notifier delivery") struct NotifierDeliveryTests {
    static func alert(_ rule: String = "cpu_high", state: AlertEvent.State = .firing) -> AlertEvent {
        AlertEvent(rule: rule, severity: .warning, state: state, labels: [("host", "web1")], summary: "s", value: 1,
                   score: .nan, timestamp: 1, startsAt: 1, source: "d")
    }

    static func delivery(_ outbox: any NotificationOutbox, clock: ManualClock, settings: OutboxSettings = OutboxSettings(),
                         counters: AlertingCounters = AlertingCounters()) -> NotifierDelivery {
        var logger = Logger(label: "delivery-test")
        logger.logLevel = .critical
        return NotifierDelivery(notifier: "slack", outbox: outbox, settings: settings, clock: clock, counters: counters,
                                logger: logger)
    }

    static func enqueue(_ outbox: any NotificationOutbox, _ alert: AlertEvent, at: Int64) throws {
        _ = try outbox.enqueue(notifier: "slack", fingerprint: alert.fingerprint,
                               payload: GroupNotification(alert: alert, count: 1).payload, at: at)
    }

    /// Both outboxes: the same semantics in memory and in SQLite.
    static func outboxes() throws -> [any NotificationOutbox] {
        let dir = try TestPaths.makeTemporaryDirectory("outbox")
        return [MemoryOutbox(), StorageOutbox(storage: StorageFactory.sqlite(path: "\(dir)/nazar.db"))]
    }

    @Test func deliveredOnceInOrder() throws {
        for outbox in try Self.outboxes() {
            let clock = ManualClock()
            let counters = AlertingCounters()
            let d = Self.delivery(outbox, clock: clock, counters: counters)
            try Self.enqueue(outbox, Self.alert("a"), at: clock.now())
            try Self.enqueue(outbox, Self.alert("b"), at: clock.now())
            let first = try #require(d.next(maxWait: 0))
            #expect(first.notification.alert.rule == "a")
            d.complete(first, rc: Int32(NAZAR_OK), message: "", retryAfterMilliseconds: 0)
            let second = try #require(d.next(maxWait: 0))
            #expect(second.notification.alert.rule == "b")
            d.complete(second, rc: Int32(NAZAR_OK), message: "", retryAfterMilliseconds: 0)
            #expect(d.next(maxWait: 0) == nil, "\(outbox.kind)")
            #expect(counters.delivered.load(ordering: .relaxed) == 2)
            #expect(try outbox.undeliveredCounts().isEmpty)
        }
    }

    @Test func retryWaitsAtLeastRetryAfterAndBlocksLaterEntries() throws {
        for outbox in try Self.outboxes() {
            let clock = ManualClock()
            let counters = AlertingCounters()
            let d = Self.delivery(outbox, clock: clock, settings: OutboxSettings(retryMin: .milliseconds(100)), counters: counters)
            try Self.enqueue(outbox, Self.alert("firing"), at: clock.now())
            try Self.enqueue(outbox, Self.alert("resolved", state: .resolved), at: clock.now())
            let first = try #require(d.next(maxWait: 0))
            d.complete(first, rc: Int32(NAZAR_RETRY), message: "HTTP 429", retryAfterMilliseconds: 2000)
            #expect(d.next(maxWait: 0) == nil, "the head waits its Retry-After; the later entry waits behind it")
            clock.advance(.milliseconds(1999))
            #expect(d.next(maxWait: 0) == nil)
            clock.advance(.milliseconds(1))
            let again = try #require(d.next(maxWait: 0))
            #expect(again.notification.alert.rule == "firing")
            #expect(again.entry.attempts == 1)
            #expect(again.entry.lastError == "HTTP 429")
            d.complete(again, rc: Int32(NAZAR_OK), message: "", retryAfterMilliseconds: 0)
            #expect(d.next(maxWait: 0)?.notification.alert.rule == "resolved")
            #expect(counters.retries.load(ordering: .relaxed) == 1)
        }
    }

    @Test func permanentErrorFailsAtOnce() throws {
        for outbox in try Self.outboxes() {
            let clock = ManualClock()
            let counters = AlertingCounters()
            let d = Self.delivery(outbox, clock: clock, counters: counters)
            try Self.enqueue(outbox, Self.alert(), at: clock.now())
            let p = try #require(d.next(maxWait: 0))
            d.complete(p, rc: Int32(NAZAR_ERROR), message: "HTTP 403: invalid token", retryAfterMilliseconds: 0)
            #expect(d.next(maxWait: 0) == nil)
            #expect(counters.notifyFailed.load(ordering: .relaxed) == 1)
            if let store = outbox as? StorageOutbox {
                let failed = try store.storage.outboxEntries(OutboxFilter(states: [.failed]))
                #expect(failed.map(\.lastError) == ["HTTP 403: invalid token"])
                #expect(failed.map(\.attempts) == [1])
            }
        }
    }

    @Test func maxAttemptsAndMaxAgeEndRetrying() throws {
        for outbox in try Self.outboxes() {
            let clock = ManualClock()
            let counters = AlertingCounters()
            let d = Self.delivery(outbox, clock: clock, settings: OutboxSettings(retryMin: .milliseconds(10), retryMax: .milliseconds(10),
                                                                                 maxAttempts: 2, maxAge: .seconds(3600)),
                                  counters: counters)
            try Self.enqueue(outbox, Self.alert(), at: clock.now())
            for _ in 0..<2 {
                let p = try #require(d.next(maxWait: 0))
                d.complete(p, rc: Int32(NAZAR_RETRY), message: "HTTP 500", retryAfterMilliseconds: 0)
                clock.advance(.milliseconds(10))
            }
            #expect(d.next(maxWait: 0) == nil)
            #expect(counters.notifyFailed.load(ordering: .relaxed) == 1)
            // An entry older than max_age when it comes up is not sent at all.
            try Self.enqueue(outbox, Self.alert(), at: clock.now())
            clock.advance(.seconds(3601))
            #expect(d.next(maxWait: 0) == nil)
            #expect(counters.notifyFailed.load(ordering: .relaxed) == 2)
        }
    }

    @Test func aDamagedPayloadFailsWithTheFieldNamed() throws {
        let outbox = MemoryOutbox()
        let clock = ManualClock()
        let counters = AlertingCounters()
        let d = Self.delivery(outbox, clock: clock, counters: counters)
        _ = outbox.enqueue(notifier: "slack", fingerprint: 1, payload: "{\"rule\":\"x\"}", at: clock.now())
        try Self.enqueue(outbox, Self.alert("good"), at: clock.now())
        #expect(d.next(maxWait: 0)?.notification.alert.rule == "good", "the damaged entry is failed and skipped")
        #expect(counters.notifyFailed.load(ordering: .relaxed) == 1)
        #expect(throws: GroupNotificationError(field: "severity", reason: "missing or not a string")) {
            try GroupNotification(payload: "{\"rule\":\"x\"}")
        }
        #expect(throws: GroupNotificationError.self) { try GroupNotification(payload: "not json") }
    }

    @Test func leasesOfAPreviousProcessAreDueAgainAfterRelease() throws {
        let dir = try TestPaths.makeTemporaryDirectory("outbox")
        let storage = StorageFactory.sqlite(path: "\(dir)/nazar.db")
        let outbox = StorageOutbox(storage: storage)
        let clock = ManualClock()
        try Self.enqueue(outbox, Self.alert(), at: clock.now())
        let d = Self.delivery(outbox, clock: clock)
        #expect(d.next(maxWait: 0) != nil)  // leased, then the "process" dies
        #expect(Self.delivery(outbox, clock: clock).next(maxWait: 0) == nil, "still leased")
        #expect(try outbox.releaseLeases() == 1)
        #expect(Self.delivery(outbox, clock: clock).next(maxWait: 0)?.notification.alert.rule == "cpu_high")
    }

    @Test func payloadRoundTrips() throws {
        var a = Self.alert()
        a.labels = [("host", "web \"1\""), ("path", "/var/ü")]
        a.value = .nan
        a.timestamp = 1_700_000_000_123_456_789
        let n = GroupNotification(alert: a, count: 12, resolvedCount: 3)
        let back = try GroupNotification(payload: n.payload)
        #expect(back.alert == a)
        #expect(back.alert.value.isNaN)
        #expect(back.count == 12 && back.resolvedCount == 3)
        #expect(!back.unannounced)
        let notice = try GroupNotification(payload: GroupNotification(alert: a, count: 2, unannounced: true).payload)
        #expect(notice.unannounced && notice.count == 2)
        // A payload written before the field existed reads as an ordinary notification.
        let old = n.payload.replacingOccurrences(of: ",\"unannounced\":false", with: "")
        #expect(old != n.payload)
        #expect(try GroupNotification(payload: old) == n)
    }

    @Test func backoffGrowsIsCappedAndHonoursRetryAfter() {
        let s = OutboxSettings(retryMin: .seconds(1), retryMax: .seconds(300))
        let top = { (r: ClosedRange<Int64>) in r.upperBound }
        #expect(DeliveryBackoff.delay(attempt: 1, retryAfterMilliseconds: 0, settings: s, random: top) == 1_000_000_000)
        #expect(DeliveryBackoff.delay(attempt: 4, retryAfterMilliseconds: 0, settings: s, random: top) == 8_000_000_000)
        #expect(DeliveryBackoff.delay(attempt: 30, retryAfterMilliseconds: 0, settings: s, random: top) == 300_000_000_000)
        #expect(DeliveryBackoff.delay(attempt: 1, retryAfterMilliseconds: 2000, settings: s, random: top) == 2_000_000_000)
        for attempt in 1...12 {
            let d = DeliveryBackoff.delay(attempt: attempt, retryAfterMilliseconds: 0, settings: s)
            #expect(d >= 1_000_000_000 && d <= 300_000_000_000)
        }
    }
}
