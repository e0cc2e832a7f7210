import Testing
@testable import Host

@Suite("Alert manager") struct AlertManagerTests {
    static func settings(groupWait: Duration = .seconds(30), groupInterval: Duration = .seconds(300),
                         repeatInterval: Duration = .seconds(4 * 3600), cooldown: Duration = .seconds(300),
                         pendingFor: Duration = .zero, sendResolved: Bool = true,
                         routes: [AlertRouteConfig] = []) -> AlertingSettings {
        AlertingSettings(grouping: AlertGrouping(groupWait: groupWait, groupInterval: groupInterval,
                                                 repeatInterval: repeatInterval, sendResolved: sendResolved),
                         cooldown: cooldown, pendingFor: pendingFor, routes: routes)
    }

    @Test func aBurstWithinGroupWaitIsOneNotificationNamingTheCount() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .seconds(30)))
        for i in 0..<50 {
            h.raise(series: "\(i)")
            h.advance(.milliseconds(100))
        }
        #expect(h.sent().isEmpty, "nothing before group_wait")
        h.advance(.seconds(30))
        let sent = h.sent()
        #expect(sent.count == 1)
        #expect(sent.first?.count == 50)
        #expect(sent.first?.alert.summary == "cpu_high on web1 and 49 more: cpu.total 97% > 90%")
        #expect(sent.first?.alert.state == .firing)
        #expect(h.manager.firing().count == 50)
        #expect(h.manager.firing().allSatisfy { $0.lastNotified > 0 && $0.receivers == ["slack"] && $0.state == .firing })
    }

    @Test func groupsFollowGroupByLabels() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero))
        h.raise(host: "web1", series: "0")
        h.raise(host: "web1", series: "1")
        h.raise(host: "web2", series: "0")
        h.raise("disk_full", host: "web1")
        h.advance(.milliseconds(1))
        let sent = h.sent()
        #expect(sent.map(\.count).sorted() == [1, 1, 2], "host+rule groups: web1/cpu (2), web2/cpu, web1/disk")
    }

    @Test func theSameAlertRaisedTwiceIsOneAlert() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero))
        h.raise()
        h.raise()
        h.advance(.milliseconds(1))
        #expect(h.sent().map(\.count) == [1])
        h.raise()
        h.advance(.seconds(400))
        #expect(h.sent().isEmpty, "an unchanged group is quiet until repeat_interval")
    }

    @Test func aChangedGroupWaitsForGroupInterval() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(60)))
        h.raise(series: "0")
        h.advance(.milliseconds(1))
        #expect(h.sent().count == 1)
        h.advance(.seconds(10))
        h.raise(series: "1")
        h.advance(.seconds(40))
        #expect(h.sent().isEmpty, "50 s after the first notification: group_interval (60 s) not over")
        h.advance(.seconds(11))
        let sent = h.sent()
        #expect(sent.map(\.count) == [2])
    }

    @Test func repeatIntervalRenotifiesAStillFiringGroup() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, repeatInterval: .seconds(3600)))
        h.raise()
        h.advance(.milliseconds(1))
        #expect(h.sent().count == 1)
        h.advance(.seconds(3599))
        #expect(h.sent().isEmpty)
        h.advance(.seconds(2))
        #expect(h.sent().map(\.alert.state) == [.firing])
        h.advance(.seconds(3601))
        #expect(h.sent().count == 1, "and again one repeat_interval later")
    }

    @Test func resolvedNotificationKeepsTheRepresentativeFingerprint() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(10)))
        h.raise(series: "0")
        h.raise(series: "1")
        h.advance(.milliseconds(1))
        let firing = try #require(h.sent().first)
        h.resolve(series: "0")
        h.resolve(series: "1")
        h.advance(.seconds(10))
        let resolved = try #require(h.sent().first)
        #expect(resolved.alert.state == .resolved)
        #expect(resolved.count == 2)
        #expect(resolved.alert.fingerprint == firing.alert.fingerprint, "so a mail thread stays one thread")
        #expect(h.manager.firing().isEmpty)
    }

    @Test func sendResolvedFalseSendsNothingOnResolve() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1), sendResolved: false))
        h.raise()
        h.advance(.milliseconds(1))
        #expect(h.sent().count == 1)
        h.resolve()
        h.advance(.seconds(2))
        #expect(h.sent().isEmpty)
    }

    @Test func cooldownSuppressesARefireOfTheSameSeries() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .seconds(300)))
        h.raise()
        h.advance(.milliseconds(1))
        #expect(h.sent().map(\.alert.state) == [.firing])
        h.resolve()
        h.advance(.seconds(2))
        #expect(h.sent().map(\.alert.state) == [.resolved])
        // Fires again 60 s after it was notified: within cooldown, recorded but not sent.
        h.advance(.seconds(58))
        h.raise()
        h.advance(.seconds(2))
        #expect(h.sent().isEmpty)
        #expect(h.manager.firing().first?.holdUntil ?? 0 > h.clock.now())
        // ...and resolves again before cooldown ends: neither is notified.
        h.resolve()
        h.advance(.seconds(2))
        #expect(h.sent().isEmpty)
        // A fire after the cooldown is notified.
        h.advance(.seconds(300))
        h.raise()
        h.advance(.seconds(1))
        #expect(h.sent().map(\.alert.state) == [.firing])
    }

    @Test func aRefireStillFiringWhenCooldownEndsIsNotifiedThen() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .seconds(300)))
        h.raise()
        h.advance(.milliseconds(1))
        h.resolve()
        h.advance(.seconds(2))
        #expect(h.sent().count == 2)
        h.raise()
        h.advance(.seconds(100))
        #expect(h.sent().isEmpty)
        h.advance(.seconds(200))
        #expect(h.sent().map(\.alert.state) == [.firing], "cooldown counts from the last firing notification")
    }

    @Test func otherSeriesOfTheSameRuleAreNotCooledDown() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1), cooldown: .seconds(300)))
        h.raise(series: "0")
        h.advance(.milliseconds(1))
        _ = h.sent()
        h.raise(series: "1")
        h.advance(.seconds(1))
        #expect(h.sent().map(\.count) == [2])
    }

    @Test func silencedAlertsAreRecordedButNotNotified() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1)))
        let id = try h.silences.add("{host=\"web1\"}", from: h.clock.now(), to: h.clock.now() + 3_600_000_000_000)
        h.manager.silencesChanged()
        h.manager.tick()
        h.raise(host: "web1")
        h.raise(host: "web2")
        h.advance(.milliseconds(1))
        let sent = h.sent()
        #expect(sent.count == 1)
        #expect(sent.first?.alert.labelValue("host") == "web2")
        let web1 = try #require(h.manager.firing().first { $0.alert.labelValue("host") == "web1" })
        #expect(web1.silencedBy == [id])
        #expect(web1.lastNotified == 0)
        // Expired: the next flush (within group_interval) notifies it.
        h.silences.expire(id, at: h.clock.now())
        h.manager.silencesChanged()
        h.advance(.seconds(1))
        #expect(h.sent().map { $0.alert.labelValue("host") } == ["web1"])
        #expect(h.manager.firing().allSatisfy { $0.silencedBy.isEmpty })
    }

    @Test func silencesAreReReadEverySecondWithoutBeingTold() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .seconds(5)))
        h.manager.tick()
        _ = try h.silences.add("{rule=\"cpu_high\"}", from: h.clock.now(), to: h.clock.now() + 3_600_000_000_000)
        h.advance(.seconds(1))
        h.raise()
        h.advance(.seconds(10))
        #expect(h.sent().isEmpty)
        #expect(h.manager.firing().first?.silencedBy.isEmpty == false)
    }

    @Test func pendingForHoldsAnAlertBeforeItIsNotified() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1), pendingFor: .seconds(60)))
        h.raise()
        h.advance(.seconds(1))
        #expect(h.manager.firing().first?.state == .pending)
        #expect(h.sent().isEmpty)
        h.advance(.seconds(60))
        #expect(h.manager.firing().first?.state == .firing)
        #expect(h.sent().count == 1)
        // A pending alert that resolves is never notified.
        h.raise(series: "9")
        h.advance(.seconds(10))
        h.resolve(series: "9")
        h.advance(.seconds(120))
        #expect(h.sent().isEmpty)
    }

    @Test func routesBySeverityWithContinue() throws {
        let routes = [
            AlertRouteConfig(severity: .critical, notifiers: ["pager"], continueMatching: true,
                             grouping: AlertGrouping(groupWait: .zero)),
            AlertRouteConfig(matchers: try LabelMatcher.parseList("{host=~\"web.*\"}"), notifiers: ["slack"],
                             grouping: AlertGrouping(groupWait: .zero)),
            AlertRouteConfig(notifiers: ["mail"], grouping: AlertGrouping(groupWait: .zero)),
        ]
        let h = try ManagerHarness(Self.settings(routes: routes),
                                   notifiers: [("pager", ["alerts.#"]), ("slack", ["alerts.#"]), ("mail", ["alerts.#"])])
        h.raise(host: "web1", severity: .critical)  // pager (continue) + slack (stops)
        h.raise("disk_full", host: "db1", severity: .warning)  // mail only
        h.raise("load", host: "db1", severity: .critical)  // pager, then mail
        h.advance(.milliseconds(1))
        #expect(h.sent(to: "pager").map(\.alert.rule).sorted() == ["cpu_high", "load"])
        #expect(h.sent(to: "slack").map(\.alert.rule) == ["cpu_high"])
        #expect(h.sent(to: "mail").map(\.alert.rule).sorted() == ["disk_full", "load"])
        #expect(h.manager.firing().first { $0.alert.rule == "cpu_high" }?.receivers == ["pager", "slack"])
    }

    @Test func defaultRouteFollowsEachInstancesSubscribePatterns() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero),
                                   notifiers: [("crit", ["alerts.critical.#"]), ("all", ["alerts.#"]), ("none", [])])
        h.raise(severity: .critical)
        h.raise("disk_full", severity: .warning)
        h.advance(.milliseconds(1))
        #expect(h.sent(to: "crit").map(\.alert.rule) == ["cpu_high"])
        #expect(h.sent(to: "all").count == 2)
        #expect(h.sent(to: "none").isEmpty, "an instance without subscribe gets only what routes name it for")
    }

    @Test func anInstancesPatternsStillFilterRoutedAlerts() throws {
        let routes = [AlertRouteConfig(notifiers: ["crit"], grouping: AlertGrouping(groupWait: .zero))]
        let h = try ManagerHarness(Self.settings(routes: routes), notifiers: [("crit", ["alerts.critical.#"])])
        h.raise(severity: .warning)
        h.advance(.milliseconds(1))
        #expect(h.sent(to: "crit").isEmpty)
    }

    @Test func flushAllPutsWaitingGroupsInTheOutbox() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .seconds(30)))
        h.raise(series: "0")
        h.raise(series: "1")
        h.manager.flushAll()
        #expect(h.sent().map(\.count) == [2], "at shutdown group_wait is not waited for")
    }

    @Test func aResolvedNeverOvertakesItsFiringInTheOutbox() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero, groupInterval: .seconds(1)))
        h.raise()
        h.advance(.milliseconds(1))
        h.resolve()
        h.advance(.seconds(1))
        #expect(h.sent().map(\.alert.state) == [.firing, .resolved])
    }

    @Test func anAlertNoNotifierTakesIsRecordedAndForgottenWhenResolved() throws {
        let h = try ManagerHarness(Self.settings(groupWait: .zero), notifiers: [("crit", ["alerts.critical.#"])])
        h.raise(severity: .warning)
        h.advance(.milliseconds(1))
        #expect(h.manager.firing().map(\.receivers) == [[]])
        h.resolve(severity: .warning)
        h.advance(.milliseconds(1))
        #expect(h.manager.firing().isEmpty)
        #expect(h.sent(to: "crit").isEmpty)
    }

    @Test func groupSummaryCountsOthersAndResolved() {
        let a = AlertEvent(rule: "cpu_high", severity: .critical, state: .firing, labels: [("host", "web1")],
                           summary: "cpu 97%", value: 1, score: .nan, timestamp: 1, startsAt: 1, source: "d")
        #expect(AlertManager.summary(a, others: 0, resolved: 0) == "cpu 97%")
        #expect(AlertManager.summary(a, others: 11, resolved: 0) == "cpu_high on web1 and 11 more: cpu 97%")
        #expect(AlertManager.summary(a, others: 1, resolved: 2) == "cpu_high on web1 and 1 more: cpu 97% (2 resolved)")
    }
}
