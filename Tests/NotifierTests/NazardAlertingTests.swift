import Foundation
import Testing

/// The alert manager end to end: a real nazard, the C scripted detector (Fixtures/), real
/// notifier plugins and the Slack/SMTP stand-ins; nazarctl against the same store.
@Suite(.serialized) struct NazardAlertingTests {
    /// A nazard whose detector runs the lines the test appends to `script`.
    struct Setup {
        let dir: String
        var script: String { "\(dir)/script" }
        var config: String { "\(dir)/nazar.toml" }

        init() throws {
            dir = try TestPaths.makeTemporaryDirectory("alerting")
            mkdir("\(dir)/lib", 0o755)
            try compileCPlugin("Plugins/examples/collector-example.c", to: "\(dir)/lib/collector-example.so")
            try compileCPlugin("Tests/NotifierTests/Fixtures/scripted-detector.c", to: "\(dir)/lib/scripted-detector.so")
            try writeFile(script, "")
        }

        func slack(_ name: String, _ standIn: HTTPStandIn, subscribe: String = "alerts.#", token: String = "alertingSecret") throws -> String {
            try writeFile("\(dir)/\(name)-webhook", standIn.baseURL + "/services/T1/B2/\(token)\n")
            return """
                plugin = "notifier-slack"
                subscribe = ["\(subscribe)"]
                [config]
                webhook_url_file = "\(dir)/\(name)-webhook"
                timeout = "2s"
                """
        }

        /// Starts nazard with the collector, the scripted detector (reading `script`) and `notifiers`.
        func nazard(_ notifiers: [String: String], alerting: String, script: String? = nil) throws -> NazardRun {
            var plugins = notifiers
            plugins["example"] = "plugin = \"collector-example\"\ninterval = \"100ms\"\n"
            plugins["detector"] = """
                plugin = "scripted-detector"
                subscribe = ["metrics.itest.example.value"]
                [config]
                script = "\(script ?? self.script)"
                """
            return try NazardRun(dir: dir, pluginDirs: ["\(dir)/lib"], plugins: plugins, alerting: alerting)
        }

        func run(_ line: String) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: script))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
            try handle.close()
        }

        func nazarctl(_ args: [String]) throws -> (status: Int32, output: String) {
            try runTool("\(TestPaths.buildProducts)/nazarctl", args + ["--config", config])
        }
    }

    @Test func nazarctlRefusesBadOptionsNamingThem() throws {
        let t = try Setup()
        try writeFile(t.config, "[daemon]\nstate_directory = \"\(t.dir)/state\"\n")
        mkdir("\(t.dir)/state", 0o750)
        let cases: [([String], String)] = [
            (["silence", "add", "--matchers", "{host~\"a\"}", "--for", "1h", "--comment", "x"], "--matchers: bad label matcher"),
            (["silence", "add", "--matchers", "{host=\"a\"}", "--for", "soon", "--comment", "x"], "--for: 'soon' is not a duration"),
            (["alerts", "--state", "burning"], "--state: 'burning' is not one of firing, resolved, all"),
            (["alerts", "--since=-1h"], "--since: '-1h' is not a duration"),
            (["silence", "expire", "42"], "no active silence 42"),
        ]
        for (args, message) in cases {
            let (code, out) = try t.nazarctl(args)
            #expect(code != 0, "\(args)")
            #expect(out.contains(message), "\(args): \(out)")
        }
        try writeFile(t.config, "[storage]\nbackend = \"none\"\n")
        let (code, out) = try t.nazarctl(["silence", "list"])
        #expect(code != 0 && out.contains("storage.backend is \"none\""), "\(out)")
    }

    @Test func aBurstOf50SeriesWithinGroupWaitIsOneSlackMessageNamingTheCount() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir)
        let nazard = try t.nazard(["slack": try t.slack("slack", slack)], alerting: "group_wait = \"2s\"")
        try t.run("raise cpu_high critical 50 cpu.total 97% > 90%")
        #expect(eventually(timeout: .seconds(20)) { !slack.requests().isEmpty }, "log: \(nazard.log)")
        usleep(1_500_000)
        let requests = slack.requests()
        #expect(requests.count == 1)
        #expect(requests.first?.body.contains("cpu_high on itest and 49 more") == true, "\(requests.first?.body ?? "")")
    }

    @Test func anIncidentThatResolvesWithinGroupWaitIsOneResolvedSlackMessageSayingItFired() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir)
        let nazard = try t.nazard(["slack": try t.slack("slack", slack)], alerting: "group_wait = \"3s\"")
        try t.run("raise cpu_high critical 1 cpu.total 97% > 90%")
        usleep(500_000)
        try t.run("resolve cpu_high critical 1")
        #expect(eventually(timeout: .seconds(20)) { !slack.requests().isEmpty }, "log: \(nazard.log)")
        usleep(1_500_000)
        let requests = slack.requests()
        #expect(requests.count == 1, "sent once")
        let body = requests.first?.body ?? ""
        #expect(body.contains("RESOLVED") && !body.contains("FIRING"), "\(body)")
        #expect(body.contains("before it was notified") && body.contains(" (fired 20"), "\(body)")
        #expect(body.contains("*Started*") && body.contains("*Resolved*"), "\(body)")
        #expect(nazard.log.contains("alert_resolved_unannounced"), "the journal says why: \(nazard.log)")
    }

    @Test func aSilenceFromNazarctlStopsTheNextNotificationAndExpiringItLetsOneThrough() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir)
        let nazard = try t.nazard(["slack": try t.slack("slack", slack)],
                                  alerting: "group_wait = \"0s\"\ngroup_interval = \"200ms\"\nrepeat_interval = \"1s\"")
        try t.run("raise cpu_high critical 1")
        #expect(eventually(timeout: .seconds(20)) { slack.requests().count >= 2 }, "repeats every second; log: \(nazard.log)")
        let (code, out) = try t.nazarctl(["silence", "add", "--matchers", "{rule=\"cpu_high\", host=\"itest\"}", "--for", "2h",
                                          "--comment", "maintenance", "--author", "tester"])
        #expect(code == 0, "\(out)")
        let id = try #require(out.split(separator: " ").dropFirst().first.map(String.init))
        usleep(2_500_000)  // the daemon re-reads silences every second (margin for a loaded machine)
        let silencedAt = slack.requests().count
        usleep(3_000_000)
        #expect(slack.requests().count == silencedAt, "silenced: no repeat for 3 s")
        let (_, list) = try t.nazarctl(["silence", "list"])
        #expect(list.contains("{rule=\"cpu_high\", host=\"itest\"}") && list.contains("tester") && list.contains("maintenance"), "\(list)")
        let (_, alerts) = try t.nazarctl(["alerts"])
        #expect(alerts.contains("firing") && alerts.contains("cpu_high"), "\(alerts)")
        let (ecode, expired) = try t.nazarctl(["silence", "expire", id])
        #expect(ecode == 0, "\(expired)")
        #expect(eventually(timeout: .seconds(5)) { slack.requests().count > silencedAt }, "notified again after the expiry")
        let (_, none) = try t.nazarctl(["silence", "list"])
        #expect(none.contains("no active silences"))
        let (bad, badOut) = try t.nazarctl(["silence", "expire", id])
        #expect(bad != 0 && badOut.contains("no active silence \(id)"), "\(badOut)")
    }

    @Test func aSeriesThatFiresAgainWithinCooldownIsNotifiedOnlyWhenCooldownEnds() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir)
        let nazard = try t.nazard(["slack": try t.slack("slack", slack)],
                                  alerting: "group_wait = \"0s\"\ngroup_interval = \"100ms\"\ncooldown = \"4s\"")
        try t.run("raise cpu_high critical 1")
        #expect(eventually(timeout: .seconds(20)) { slack.requests().count == 1 }, "log: \(nazard.log)")
        let firstAt = slack.requests().first?.time ?? 0
        try t.run("resolve cpu_high critical 1")
        #expect(eventually(timeout: .seconds(10)) { slack.requests().count == 2 }, "the resolve is sent")
        try t.run("raise cpu_high critical 1")
        usleep(1_500_000)
        #expect(slack.requests().count == 2, "fired again within cooldown: not sent yet")
        #expect(eventually(timeout: .seconds(10)) { slack.requests().count == 3 }, "sent when cooldown ends")
        let r = slack.requests()
        if r.count == 3 {
            #expect(r[2].time - firstAt >= 3.9, "no sooner than cooldown after the first firing notification")
            #expect(r[2].body.contains("FIRING"), "\(r[2].body)")
            #expect(r[1].body.contains("RESOLVED"), "\(r[1].body)")
        }
    }

    @Test func routesBySeverityToTwoNotifierInstancesWithContinue() throws {
        let t = try Setup()
        let oncall = try HTTPStandIn(dir: t.dir)
        let team = try HTTPStandIn(dir: t.dir)
        let nazard = try t.nazard(["slack-oncall": try t.slack("slack-oncall", oncall), "slack-team": try t.slack("slack-team", team)],
                                  alerting: """
                                      group_wait = "0s"
                                      [[alerting.route]]
                                      severity = "critical"
                                      notifiers = ["slack-oncall"]
                                      continue = true
                                      [[alerting.route]]
                                      matchers = ['{rule=~"disk.*|load"}']
                                      notifiers = ["slack-team"]
                                      """)
        try t.run("raise disk_full critical 1")
        try t.run("raise load warning 1")
        try t.run("raise other info 1")  // no route: the default route (both subscribe to alerts.#)
        #expect(eventually(timeout: .seconds(20)) { team.requests().count >= 3 && oncall.requests().count >= 2 }, "log: \(nazard.log)")
        usleep(500_000)
        let toOncall = oncall.requests().map(\.body)
        let toTeam = team.requests().map(\.body)
        #expect(toOncall.count == 2 && toOncall.contains { $0.contains("disk_full") } && toOncall.contains { $0.contains("other") },
                "\(toOncall)")
        #expect(toTeam.count == 3, "\(toTeam)")
        #expect(toTeam.contains { $0.contains("load") } && toTeam.contains { $0.contains("disk_full") })
    }

    @Test func twoServerErrorsThenSuccessIsDeliveredOnceWithBackoff() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir, responses: [#"{"status": 500, "body": "oops"}"#, #"{"status": 500, "body": "oops"}"#])
        let nazard = try t.nazard(["slack": try t.slack("slack", slack)], alerting: "group_wait = \"0s\"\nretry_min = \"300ms\"")
        try t.run("raise cpu_high critical 1")
        #expect(eventually(timeout: .seconds(20)) { slack.requests().count >= 3 }, "log: \(nazard.log)")
        usleep(1_000_000)
        let r = slack.requests()
        #expect(r.count == 3, "delivered once, then nothing more")
        if r.count >= 3 {
            #expect(r[1].time - r[0].time >= 0.29, "backoff at least retry_min")
            #expect(r[2].time - r[1].time >= 0.29)
            #expect(r[0].body == r[2].body)
        }
        #expect(nazard.log.components(separatedBy: "notify_retry").count - 1 == 2, "\(nazard.log)")
        let (_, json) = try t.nazarctl(["alerts", "--json"])
        #expect(json.contains("\"delivery\" : \"delivered\"") && json.contains("\"attempts\" : 3"), "\(json)")
    }

    @Test func aRetryAfterOfTwoSecondsIsHonoured() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir, responses: [#"{"status": 429, "headers": {"Retry-After": "2"}, "body": "rate_limited"}"#])
        let nazard = try t.nazard(["slack": try t.slack("slack", slack)], alerting: "group_wait = \"0s\"\nretry_min = \"100ms\"")
        try t.run("raise cpu_high critical 1")
        #expect(eventually(timeout: .seconds(20)) { slack.requests().count >= 2 }, "log: \(nazard.log)")
        let r = slack.requests()
        if r.count >= 2 { #expect(r[1].time - r[0].time >= 1.95, "Retry-After: 2 honoured") }
    }

    @Test func aBadTokenIsOneAttemptAndNotifyFailedInTheLogAndInNazarctl() throws {
        let t = try Setup()
        let slack = try HTTPStandIn(dir: t.dir, fallback: #"{"status": 403, "body": "invalid_token"}"#)
        let nazard = try t.nazard(["slack": try t.slack("slack", slack, token: "badTokenSecret")], alerting: "group_wait = \"0s\"")
        try t.run("raise cpu_high critical 1")
        #expect(eventually(timeout: .seconds(20)) { nazard.log.contains("notify_failed") }, "log: \(nazard.log)")
        usleep(1_000_000)
        #expect(slack.requests().count == 1)
        let line = nazard.log.split(separator: "\n").first { $0.contains("notify_failed") }.map(String.init) ?? ""
        #expect(line.contains("nazar_plugin=slack") && line.contains("nazar_alert=cpu_high") && line.contains("nazar_fingerprint="), "\(line)")
        #expect(!nazard.log.contains("badTokenSecret"))
        let (_, alerts) = try t.nazarctl(["alerts"])
        #expect(alerts.contains("failed") && alerts.contains("HTTP 403"), "\(alerts)")
        #expect(!alerts.contains("badTokenSecret"))
    }

    @Test func everyAlertAcceptedBeforeARestartIsDeliveredExactlyOnce() throws {
        let t = try Setup()
        var slack: HTTPStandIn? = try HTTPStandIn(dir: t.dir)
        let down = try #require(slack).baseURL
        slack = nil  // the stand-in is gone: connections are refused
        try writeFile("\(t.dir)/slack-webhook", down + "/services/T1/B2/restartSecret\n")
        let first = try t.nazard(["slack": "plugin = \"notifier-slack\"\nsubscribe = [\"alerts.#\"]\n[config]\nwebhook_url_file = \"\(t.dir)/slack-webhook\"\ntimeout = \"2s\"\n"],
                                 alerting: "group_wait = \"30s\"")
        try t.run("raise cpu_high critical 3")
        try t.run("raise disk_full warning 1")
        try t.run("raise load info 2")
        // In the history (so the manager has them too), then SIGTERM within group_wait.
        #expect(eventually(timeout: .seconds(20)) { (try? t.nazarctl(["alerts"]).output)?.components(separatedBy: "\nfiring").count == 7 },
                "log: \(first.log)")
        usleep(300_000)
        #expect(first.stop() == 0, "clean exit; log: \(first.log)")
        let standIn = try HTTPStandIn(dir: t.dir)
        let second = try t.nazard(["slack": try t.slack("slack", standIn, token: "restartSecret")], alerting: "group_wait = \"30s\"",
                                  script: "\(t.dir)/no-script")
        #expect(eventually(timeout: .seconds(20)) { standIn.requests().count >= 3 }, "log: \(second.log)")
        usleep(1_500_000)
        let bodies = standIn.requests().map(\.body)
        #expect(bodies.count == 3, "\(bodies)")
        for rule in ["cpu_high on itest and 2 more", "disk_full", "load on itest and 1 more"] {
            #expect(bodies.filter { $0.contains(rule) }.count == 1, "\(rule) once: \(bodies)")
        }
        #expect(second.log.contains("alertmanager_started"))
    }

    @Test func aResolvedMailThreadsWithItsFiringMailThroughTheManager() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let t = try Setup()
        let smtp = try SMTPStandIn(dir: t.dir)
        let nazard = try t.nazard(["mail": """
            plugin = "notifier-smtp"
            subscribe = ["alerts.#"]
            [config]
            url = "smtp://127.0.0.1:\(smtp.port)"
            from = "Nazar <nazar@example.org>"
            to = ["ops@example.org"]
            starttls = "off"
            timeout = "3s"
            """], alerting: "group_wait = \"500ms\"\ngroup_interval = \"200ms\"")
        // group_wait 500 ms: both series' raises reach the group before its first flush. With
        // 0 s the first raise flushed alone, and the second series' incident, resolved before
        // the next flush, rightly got its own resolved notice: three mails, by timing.
        try t.run("raise cpu_high critical 2")
        #expect(eventually(timeout: .seconds(20)) { smtp.mails().count >= 1 }, "log: \(nazard.log)")
        try t.run("resolve cpu_high critical 2")
        #expect(eventually(timeout: .seconds(20)) { smtp.mails().count >= 2 }, "log: \(nazard.log)")
        usleep(500_000)
        let mails = smtp.mails()
        #expect(mails.count == 2, "one mail per group state: \(mails.map { String($0.raw.prefix(600)) }) log: \(nazard.log)")
        guard mails.count == 2 else { return }
        func header(_ raw: String, _ name: String) -> String? {
            raw.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        let firstID = try #require(header(mails[0].raw, "Message-ID"))
        #expect(header(mails[1].raw, "In-Reply-To") == firstID, "\(mails[1].raw)")
    }
}
