import Testing
@testable import Host

/// Alert history, silences and the notification outbox, on both backends.
@Suite struct StorageAlertTests {
    typealias T = TestStore

    func alert(_ rule: String, _ severity: AlertEvent.Severity, _ state: AlertEvent.State, at: Int64,
               labels: [(String, String)] = [("host", "web1")], value: Double = 1) -> AlertRecord {
        AlertRecord(AlertEvent(rule: rule, severity: severity, state: state, labels: labels, summary: "\(rule) \(state)",
                               value: value, score: 0, timestamp: at, startsAt: at - 10, source: "detector-threshold"))
    }

    @Test(arguments: Backend.allCases)
    func alertHistoryIsFilteredNewestFirst(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let records = [
            alert("cpu_high", .warning, .firing, at: T.now - 500),
            alert("cpu_high", .warning, .resolved, at: T.now - 400),
            alert("disk_full", .critical, .firing, at: T.now - 300, labels: [("host", "db1"), ("mount", "/var")], value: .nan),
            alert("cpu_high", .critical, .firing, at: T.now - 200, labels: [("host", "web2")]),
        ]
        let ids = try store.storage.appendAlerts(records)
        #expect(ids.count == 4 && Set(ids).count == 4)
        func rules(_ f: AlertHistoryFilter) throws -> [String] { try store.storage.alertHistory(f).map { "\($0.rule)/\($0.state)" } }
        #expect(try rules(AlertHistoryFilter()) == ["cpu_high/firing", "disk_full/firing", "cpu_high/resolved", "cpu_high/firing"])
        #expect(try rules(AlertHistoryFilter(rule: "cpu_high", state: "firing")) == ["cpu_high/firing", "cpu_high/firing"])
        #expect(try rules(AlertHistoryFilter(severity: "critical")) == ["cpu_high/firing", "disk_full/firing"])
        #expect(try rules(AlertHistoryFilter(from: T.now - 450, to: T.now - 250)) == ["disk_full/firing", "cpu_high/resolved"])
        #expect(try rules(AlertHistoryFilter(matchers: [LabelMatcher("mount", .equal, "/var")])) == ["disk_full/firing"])
        #expect(try rules(AlertHistoryFilter(matchers: [LabelMatcher("host", .notEqual, "web1")])) == ["cpu_high/firing", "disk_full/firing"])
        #expect(try rules(AlertHistoryFilter(fingerprint: records[0].fingerprint)) == ["cpu_high/resolved", "cpu_high/firing"])
        #expect(try rules(AlertHistoryFilter(limit: 1)) == ["cpu_high/firing"])
        // Everything round-trips, including a NaN value and the 64-bit fingerprint.
        let disk = try #require(try store.storage.alertHistory(AlertHistoryFilter(rule: "disk_full")).first)
        var expected = records[2]
        expected.id = disk.id
        #expect(disk.value.isNaN)
        expected.value = disk.value
        #expect(disk.fingerprint == records[2].fingerprint)
        #expect(disk.labels == expected.labels && disk.summary == expected.summary && disk.startsAt == expected.startsAt)
        #expect(throws: StorageError.self) { try store.storage.alertHistory(AlertHistoryFilter(limit: 0)) }
    }

    @Test(arguments: Backend.allCases)
    func silencesAreActiveInTheirWindowUntilExpired(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let matchers = [LabelMatcher("host", .equal, "web1"), LabelMatcher("rule", .notEqual, "disk_full")]
        let a = try store.storage.createSilence(Silence(matchers: matchers, startsAt: T.now, endsAt: T.now + T.hour,
                                                        createdBy: "ops", comment: "deploy"))
        let b = try store.storage.createSilence(Silence(matchers: [LabelMatcher("host", .equal, "db1")], startsAt: T.now + T.hour,
                                                        endsAt: T.now + 2 * T.hour, createdBy: "ops", comment: "maintenance"))
        #expect(try store.storage.activeSilences(at: T.now - 1).isEmpty)
        let active = try store.storage.activeSilences(at: T.now + 10)
        #expect(active == [Silence(id: a, matchers: matchers, startsAt: T.now, endsAt: T.now + T.hour, createdBy: "ops", comment: "deploy")])
        #expect(try store.storage.activeSilences(at: T.now + T.hour).map(\.id) == [b])
        try store.storage.expireSilence(id: a, at: T.now + 20)
        #expect(try store.storage.activeSilences(at: T.now + 30).isEmpty)
        #expect(try store.storage.activeSilences(at: T.now + 15).map(\.id) == [a])
        #expect(throws: StorageError.self) {
            try store.storage.createSilence(Silence(matchers: matchers, startsAt: T.now, endsAt: T.now, createdBy: "", comment: ""))
        }
        #expect(throws: StorageError.self) {
            try store.storage.createSilence(Silence(matchers: [], startsAt: T.now, endsAt: T.now + 1, createdBy: "", comment: ""))
        }
    }

    @Test(arguments: Backend.allCases)
    func outboxLeasesRetriesAndDelivers(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let o = store.storage
        let first = try o.enqueueNotification(notifier: "slack", fingerprint: 42, payload: "{\"text\":\"a\"}", at: T.now)
        let second = try o.enqueueNotification(notifier: "slack", fingerprint: 43, payload: "b", at: T.now + 1)
        _ = try o.enqueueNotification(notifier: "mail", fingerprint: 44, payload: "c", at: T.now)
        let lease = T.minute

        let l1 = try #require(try o.leaseNextNotification(notifier: "slack", now: T.now + 5, leaseFor: lease))
        #expect(l1.id == first && l1.payload == "{\"text\":\"a\"}" && l1.fingerprint == 42 && l1.state == .leased && l1.attempts == 0)
        #expect(try o.leaseNextNotification(notifier: "slack", now: T.now + 5, leaseFor: lease)?.id == second)
        #expect(try o.leaseNextNotification(notifier: "slack", now: T.now + 5, leaseFor: lease) == nil)

        // A failed attempt comes back at its retry time, with the attempt and error counted.
        try o.markFailed(id: first, error: "HTTP 503", retryAt: T.now + 1000)
        #expect(try o.leaseNextNotification(notifier: "slack", now: T.now + 999, leaseFor: lease) == nil)
        let retry = try #require(try o.leaseNextNotification(notifier: "slack", now: T.now + 1000, leaseFor: lease))
        #expect(retry.id == first && retry.attempts == 1 && retry.lastError == "HTTP 503")

        // An expired lease (the daemon died mid-delivery) is due again.
        let again = try #require(try o.leaseNextNotification(notifier: "slack", now: T.now + 5 + lease, leaseFor: lease))
        #expect(again.id == second)

        try o.markDelivered(id: first, at: T.now + 1001)
        try o.markFailed(id: second, error: "invalid token", retryAt: nil)
        #expect(try o.leaseNextNotification(notifier: "slack", now: T.now + 10 * T.day, leaseFor: lease) == nil)
        #expect(try o.leaseNextNotification(notifier: "mail", now: T.now, leaseFor: lease)?.payload == "c")
    }

    @Test(arguments: Backend.allCases)
    func outboxHeadIsStrictlyOldestFirstAndListsWithDeliveryState(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let o = store.storage
        let lease = T.minute
        #expect(try o.leaseHeadNotification(notifier: "slack", now: T.now, leaseFor: lease) == .empty)
        let firing = try o.enqueueNotification(notifier: "slack", fingerprint: 7, payload: "firing", at: T.now)
        let resolved = try o.enqueueNotification(notifier: "slack", fingerprint: 7, payload: "resolved", at: T.now + 1)
        guard case let .leased(head) = try o.leaseHeadNotification(notifier: "slack", now: T.now + 2, leaseFor: lease) else {
            Issue.record("the oldest entry is due")
            return
        }
        #expect(head.id == firing && head.createdAt == T.now)
        // Leased: the next one waits behind it until the lease ends.
        #expect(try o.leaseHeadNotification(notifier: "slack", now: T.now + 3, leaseFor: lease) == .notBefore(T.now + 2 + lease))
        // Retried later: still the head, and the resolved one waits behind its firing.
        try o.markFailed(id: firing, error: "HTTP 500", retryAt: T.now + 100)
        #expect(try o.leaseHeadNotification(notifier: "slack", now: T.now + 50, leaseFor: lease) == .notBefore(T.now + 100))
        #expect(try o.undeliveredNotificationCounts() == ["slack": 2])
        // A previous process's lease is released at start.
        guard case .leased = try o.leaseHeadNotification(notifier: "slack", now: T.now + 100, leaseFor: lease) else {
            Issue.record("due after its retry time")
            return
        }
        #expect(try o.releaseNotificationLeases() == 1)
        guard case let .leased(again) = try o.leaseHeadNotification(notifier: "slack", now: T.now + 101, leaseFor: lease) else {
            Issue.record("released lease is due again")
            return
        }
        #expect(again.id == firing && again.attempts == 1 && again.lastError == "HTTP 500")
        try o.markDelivered(id: firing, at: T.now + 102)
        guard case let .leased(next) = try o.leaseHeadNotification(notifier: "slack", now: T.now + 103, leaseFor: lease) else {
            Issue.record("the resolved one follows")
            return
        }
        #expect(next.id == resolved)
        try o.markFailed(id: resolved, error: "invalid token", retryAt: nil)
        #expect(try o.leaseHeadNotification(notifier: "slack", now: T.now + 104, leaseFor: lease) == .empty)
        #expect(try o.undeliveredNotificationCounts().isEmpty)

        let listed = try o.outboxEntries(OutboxFilter())
        #expect(listed.map(\.id) == [resolved, firing], "newest first")
        #expect(listed.map(\.state) == [.failed, .delivered])
        #expect(listed.last?.deliveredAt == T.now + 102 && listed.last?.attempts == 2)
        #expect(try o.outboxEntries(OutboxFilter(states: [.failed])).map(\.lastError) == ["invalid token"])
        #expect(try o.outboxEntries(OutboxFilter(notifier: "mail")).isEmpty)
        #expect(try o.outboxEntries(OutboxFilter(since: T.now + 1)).map(\.id) == [resolved])
        #expect(throws: StorageError.self) { try o.outboxEntries(OutboxFilter(limit: 0)) }

        // Finished entries go after their retention; undelivered ones never.
        let waiting = try o.enqueueNotification(notifier: "slack", fingerprint: 8, payload: "w", at: T.now)
        #expect(try o.deleteFinishedNotifications(before: T.now + 1) == 0, "nothing finished before +1")
        #expect(try o.deleteFinishedNotifications(before: T.now + T.day) == 2)
        #expect(try o.outboxEntries(OutboxFilter()).map(\.id) == [waiting])
    }
}
