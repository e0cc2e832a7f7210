import Testing
@testable import Host

/// An incident that reached firing must reach the notifiers, even when it resolved before
/// its group was flushed (where Alertmanager drops it): one resolved notice saying it fired.
@Suite("Alert manager: incidents that resolve before they are notified") struct UnannouncedIncidentTests {
    @Test func anAlertResolvedWithinGroupWaitIsSentOnceAsResolvedSayingItFiredAndWhen() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .seconds(30)))
        let started = h.clock.now()
        h.raise()
        h.advance(.seconds(5))
        h.resolve()
        h.advance(.seconds(1))
        #expect(h.sent().isEmpty, "still within group_wait")
        h.advance(.seconds(24))
        let sent = h.sent()
        #expect(sent.count == 1)
        let notice = try #require(sent.first)
        #expect(notice.alert.state == .resolved)
        #expect(notice.unannounced)
        #expect(notice.count == 1)
        #expect(notice.alert.startsAt == started)
        #expect(notice.alert.timestamp == started + 5_000_000_000, "the end is the resolve's time")
        #expect(notice.alert.summary == "cpu.total 97% > 90% (fired 2023-11-14T22:13:20.000Z, resolved 5.0 s later, before it was notified)")
        #expect(notice.alert.fingerprint == h.alert().fingerprint)
        h.advance(.seconds(3600))
        #expect(h.sent().isEmpty, "sent once")
        #expect(h.manager.firing().isEmpty)
    }

    @Test func aRaiseAndItsResolveArrivingInOneBurstAreNotified() throws {
        // The soak's settings: no group_wait; both events reach the manager before a tick.
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .milliseconds(10), cooldown: .zero))
        h.raise()
        h.clock.advance(.milliseconds(100))
        h.resolve()
        h.advance(.milliseconds(1))
        #expect(h.sent().map(\.alert.state) == [.resolved])
    }

    @Test func twoIncidentsOfOneSeriesInOneBurstAreTwoNoticesInOrder() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .milliseconds(10), cooldown: .zero))
        let first = h.clock.now()
        h.raise()
        h.clock.advance(.milliseconds(100))
        h.resolve()
        h.clock.advance(.seconds(10))
        let second = h.clock.now()
        h.raise()
        h.clock.advance(.milliseconds(100))
        h.resolve()
        h.clock.advance(.seconds(10))
        let third = h.clock.now()
        h.raise()  // still firing at the flush
        h.advance(.milliseconds(1))
        #expect(h.sent().map(\.alert.startsAt) == [first], "one incident per series per flush")
        h.advance(.milliseconds(10))
        let next = h.sent()
        #expect(next.map(\.alert.startsAt) == [second, third], "group_interval later: the second, then the re-fire")
        #expect(next.map(\.alert.state) == [.resolved, .firing])
    }

    @Test func aSeriesThatReFiresBeforeTheFlushKeepsItsFirstIncident() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .seconds(30)))
        let first = h.clock.now()
        h.raise()
        h.advance(.seconds(2))
        h.resolve()
        h.advance(.seconds(2))
        let second = h.clock.now()
        h.raise()
        h.advance(.seconds(30))
        let sent = h.sent()
        #expect(sent.map(\.alert.state) == [.resolved, .firing])
        #expect(sent.map(\.alert.startsAt) == [first, second])
        #expect(sent.first?.unannounced == true && sent.last?.unannounced == false)
    }

    @Test func shortIncidentsOfOneGroupShareOneNoticeBesideTheFiringOne() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .seconds(30)))
        for i in 0..<3 { h.raise(series: "\(i)") }
        h.raise(series: "9")
        h.advance(.seconds(1))
        for i in 0..<3 { h.resolve(series: "\(i)") }
        h.advance(.seconds(30))
        let sent = h.sent()
        #expect(sent.map(\.alert.state) == [.resolved, .firing])
        #expect(sent.map(\.count) == [3, 1])
        #expect(sent.first?.alert.summary.hasPrefix("cpu_high on web1 and 2 more: cpu.total 97% > 90% (fired ") == true)
        #expect(sent.first?.alert.summary.hasSuffix("all 3 before they were notified)") == true, "\(sent.first?.alert.summary ?? "")")
    }

    @Test func sendResolvedFalseStillSendsTheOnlyNoticeOfAnIncident() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .seconds(30), sendResolved: false))
        h.raise()
        h.advance(.seconds(1))
        h.resolve()
        h.advance(.seconds(30))
        #expect(h.sent().map(\.unannounced) == [true])
    }

    @Test func pendingSilencedAndCooledDownAlertsStillEndSilently() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .seconds(300),
                                                 pendingFor: .seconds(60)))
        // Pending: resolved before pending_for ended.
        h.raise(series: "pending")
        h.advance(.seconds(10))
        h.resolve(series: "pending")
        // Silenced while it fired.
        _ = try h.silences.add("{cpu=\"silenced\"}", from: h.clock.now(), to: h.clock.now() + 3_600_000_000_000)
        h.manager.silencesChanged()
        h.advance(.milliseconds(1))
        h.raise(series: "silenced")
        h.advance(.seconds(61))
        h.resolve(series: "silenced")
        h.advance(.seconds(120))
        #expect(h.sent().isEmpty)
    }

    @Test func aReFireWithinCooldownOfTheNoticeIsHeld() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .seconds(300)))
        h.raise()
        h.resolve()
        h.advance(.milliseconds(1))
        #expect(h.sent().map(\.unannounced) == [true])
        h.advance(.seconds(60))
        h.raise()
        h.advance(.seconds(2))
        #expect(h.sent().isEmpty, "the notice counts as telling of the series firing")
        h.advance(.seconds(240))
        #expect(h.sent().map(\.alert.state) == [.firing])
    }

    @Test func flushAllAtShutdownSendsEveryOwedNotice() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .seconds(30)))
        h.raise()
        h.resolve()
        h.clock.advance(.seconds(1))
        h.raise()
        h.resolve()
        h.manager.flushAll()
        let sent = h.sent()
        #expect(sent.count == 2 && sent.allSatisfy(\.unannounced))
        #expect(Set(sent.map(\.alert.startsAt)).count == 2)
    }

    @Test func aRouteWithTwoReceiversOwesEachItsNotice() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .seconds(30)), notifiers: [("slack", ["alerts.#"]), ("mail", ["alerts.#"])])
        h.raise()
        h.resolve()
        h.advance(.seconds(30))
        #expect(h.sent(to: "slack").map(\.unannounced) == [true])
        #expect(h.sent(to: "mail").map(\.unannounced) == [true])
    }

    @Test func durationsReadAsAPersonWouldSayThem() {
        #expect(UnannouncedIncident.duration(0) == "0.0 s")
        #expect(UnannouncedIncident.duration(99_000_000) == "0.1 s")
        #expect(UnannouncedIncident.duration(4_240_000_000) == "4.2 s")
        #expect(UnannouncedIncident.duration(42_000_000_000) == "42 s")
        #expect(UnannouncedIncident.duration(200_000_000_000) == "3 min 20 s")
        #expect(UnannouncedIncident.duration(600_000_000_000) == "10 min")
        #expect(UnannouncedIncident.duration(7_500_000_000_000) == "2 h 5 min")
        #expect(UnannouncedIncident.duration(-5) == "0.0 s", "a clock step backwards is not a negative duration")
    }
}

/// A series that resolves and fires again before its group told of the resolution, and
/// events the broker delivers twice.
@Suite("Alert manager: re-fires and redeliveries") struct RefireAndRedeliveryTests {
    @Test func aReFireBeforeTheResolvedWentOutIsANewIncidentNotified() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(10), cooldown: .zero))
        let first = h.clock.now()
        h.raise()
        h.advance(.milliseconds(1))
        #expect(h.sent().map(\.alert.state) == [.firing])
        h.advance(.seconds(1))
        h.resolve()
        h.advance(.seconds(1))
        let second = h.clock.now()
        h.raise()  // before group_interval let the resolution out
        h.advance(.seconds(10))
        let sent = h.sent()
        #expect(sent.map(\.alert.state) == [.firing], "the new incident, counting the old one's resolution")
        #expect(sent.first?.alert.startsAt == second)
        #expect(sent.first?.resolvedCount == 1)
        #expect(sent.first?.alert.startsAt != first)
    }

    @Test func aReFireAndResolveBeforeTheFlushSendsTheResolutionThenTheNotice() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(10), cooldown: .zero))
        let first = h.clock.now()
        h.raise()
        h.advance(.milliseconds(1))
        _ = h.sent()
        h.resolve()
        h.clock.advance(.seconds(1))
        let second = h.clock.now()
        h.raise()
        h.clock.advance(.seconds(1))
        h.resolve()
        h.advance(.seconds(10))
        let sent = h.sent()
        #expect(sent.map(\.alert.state) == [.resolved, .resolved])
        #expect(sent.map(\.alert.startsAt) == [first, second])
        #expect(sent.map(\.unannounced) == [false, true])
    }

    @Test func aRedeliveredRaiseAndResolveOfAnEndedIncidentAreIgnored() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .zero))
        let raise = h.alert()
        var resolve = h.alert(state: .resolved, summary: "")
        resolve.startsAt = raise.startsAt
        h.manager.receive(raise)
        h.manager.receive(resolve)
        h.advance(.seconds(1))
        #expect(h.sent().count == 1)
        h.manager.receive(raise)
        h.manager.receive(resolve)
        h.advance(.seconds(2))
        #expect(h.sent().isEmpty, "the same incident again")
        #expect(h.manager.firing().isEmpty)
    }

    @Test func pastTheRedeliveryWindowAnOldStartIsANewIncident() throws {
        // A wall clock stepped backwards must not hide a real incident for long.
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .zero))
        let raise = h.alert()
        h.manager.receive(raise)
        h.advance(.milliseconds(1))
        h.resolve()
        h.advance(.seconds(2))
        #expect(h.sent().count == 2)
        h.advance(.seconds(601))
        h.manager.receive(raise)
        h.advance(.seconds(1))
        #expect(h.sent().map(\.alert.state) == [.firing])
    }

    @Test func aStaleResolveDoesNotEndANewerIncident() throws {
        let h = try ManagerHarness(AlertManagerTests.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .zero))
        var old = h.alert(state: .resolved, summary: "")
        old.startsAt = h.clock.now() - 60_000_000_000
        h.raise()
        h.manager.receive(old)
        h.advance(.seconds(1))
        #expect(h.manager.firing().count == 1)
        #expect(h.sent().map(\.alert.state) == [.firing])
    }
}
