import Testing
@testable import Host

@Suite("nazarctl alerts report") struct AlertsReportTests {
    static func event(_ rule: String, _ host: String, _ state: AlertEvent.State, at t: Int64) -> AlertEvent {
        AlertEvent(rule: rule, severity: .critical, state: state, labels: [("host", host)], summary: "\(rule) on \(host)",
                   value: 1, score: .nan, timestamp: t, startsAt: 1_000, source: "det")
    }

    @Test func latestStatePerSeriesWithSilencesAndNotifications() throws {
        let dir = try TestPaths.makeTemporaryDirectory("report")
        let storage = StorageFactory.sqlite(path: "\(dir)/nazar.db")
        let now: Int64 = 10_000
        try storage.appendAlerts([
            AlertRecord(Self.event("cpu_high", "web1", .firing, at: 1_000)),
            AlertRecord(Self.event("disk_full", "db1", .firing, at: 2_000)),
            AlertRecord(Self.event("cpu_high", "web1", .resolved, at: 3_000)),
        ])
        let silence = try storage.createSilence(Silence(matchers: try LabelMatcher.parseList("{host=\"db1\"}"), startsAt: 0,
                                                        endsAt: now * 2, createdBy: "t", comment: ""))
        let n = GroupNotification(alert: Self.event("cpu_high", "web1", .firing, at: 1_000), count: 1)
        let id = try storage.enqueueNotification(notifier: "slack", fingerprint: n.alert.fingerprint, payload: n.payload, at: 1_500)
        try storage.markFailed(id: id, error: "HTTP 403: invalid_token", retryAt: nil)

        let firing = try AlertsReport.load(from: storage, state: .firing, since: nil, matchers: [], now: now)
        #expect(firing.alerts.map(\.record.rule) == ["disk_full"], "cpu_high's latest state is resolved")
        #expect(firing.alerts.first?.silencedBy == [silence])
        #expect(firing.notifications.count == 1)
        #expect(firing.notifications.first?.entry.state == .failed)
        #expect(firing.notifications.first?.entry.lastError == "HTTP 403: invalid_token")
        #expect(firing.notifications.first?.notification?.alert.rule == "cpu_high")

        let all = try AlertsReport.load(from: storage, state: .all, since: nil, matchers: [], now: now)
        #expect(all.alerts.map(\.record.state).sorted() == ["firing", "resolved"])
        let web = try AlertsReport.load(from: storage, state: .all, since: nil,
                                        matchers: try LabelMatcher.parseList("{host=\"web1\"}"), now: now)
        #expect(web.alerts.map(\.record.rule) == ["cpu_high"])
        #expect(web.notifications.count == 1)
        let recent = try AlertsReport.load(from: storage, state: .all, since: 2_500, matchers: [], now: now)
        #expect(recent.alerts.map(\.record.rule) == ["cpu_high"], "only what happened since")
        #expect(recent.notifications.isEmpty)
    }
}
