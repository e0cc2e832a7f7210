import Foundation
import PluginAPI
import Testing

/// notifier-slack through its C descriptor against the loopback Slack stand-in.
@Suite struct SlackNotifierTests {
    static let secretPath = "/services/T0001/B0002/s3cr3tWebhookToken"

    func webhook(_ standIn: HTTPStandIn) -> String { standIn.baseURL + Self.secretPath }

    func makeNotifier(_ standIn: HTTPStandIn, extra: String = "") throws -> LoadedNotifier {
        let n = try LoadedNotifier("notifier-slack")
        let created = n.create("{\"webhook_url\":\"\(webhook(standIn))\",\"timeout\":\"1s\"\(extra)}")
        #expect(created.delivered, "create: \(created.message)")
        return n
    }

    func blocks(_ request: HTTPStandIn.Request) -> (colour: String?, blocks: [[String: Any]]) {
        let attachment = (request.json["attachments"] as? [[String: Any]])?.first
        return (attachment?["color"] as? String, attachment?["blocks"] as? [[String: Any]] ?? [])
    }

    func texts(_ blocks: [[String: Any]]) -> String {
        var out: [String] = []
        for b in blocks {
            if let t = b["text"] as? [String: Any], let s = t["text"] as? String { out.append(s) }
            for f in b["fields"] as? [[String: Any]] ?? [] { out.append(f["text"] as? String ?? "") }
            for e in b["elements"] as? [[String: Any]] ?? [] { out.append(e["text"] as? String ?? "") }
        }
        return out.joined(separator: "\n")
    }

    @Test func firingAlertIsABlockKitMessageWithEverythingAnOnCallNeeds() throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let standIn = try HTTPStandIn(dir: dir)
        let n = try makeNotifier(standIn, extra: ",\"dashboard_url\":\"https://nazar.example/alerts?rule={rule}&host={host}\",\"channel\":\"#ops\",\"username\":\"Nazar\"")
        let result = n.notify(TestAlert())
        #expect(result.delivered, "\(result.message)")

        let requests = standIn.requests()
        try #require(requests.count == 1)
        let r = requests[0]
        #expect(r.path == Self.secretPath)
        #expect(r.headers["content-type"] == "application/json; charset=utf-8")
        #expect(r.json["channel"] as? String == "#ops")
        #expect(r.json["username"] as? String == "Nazar")
        #expect((r.json["text"] as? String)?.contains("[FIRING] critical cpu_high on web1") == true)
        let (colour, blocks) = blocks(r)
        #expect(colour == "#E01E5A")
        #expect(blocks.map { $0["type"] as? String ?? "" } == ["header", "section", "section", "context", "actions"])
        let header = (blocks.first?["text"] as? [String: Any])?["text"] as? String ?? ""
        #expect(header.contains("FIRING: cpu_high on web1"), "\(header)")
        let all = texts(blocks)
        for expected in ["cpu.total 97.2% &gt; 90% for 5m", "*Severity*\ncritical", "*Rule*\ncpu_high", "*Host*\nweb1",
                         "*Metric*\ncpu.total", "*Value*\n97.2", "*Started*\n2026-11-18 11:06:40 UTC", "Labels: cpu=all"] {
            #expect(all.contains(expected), "missing \(expected) in \(all)")
        }
        let button = (blocks.last?["elements"] as? [[String: Any]])?.first
        #expect(button?["url"] as? String == "https://nazar.example/alerts?rule=cpu_high&host=web1")
    }

    @Test(arguments: [
        (UInt32(NAZAR_SEVERITY_CRITICAL), true, "#E01E5A"),
        (UInt32(NAZAR_SEVERITY_WARNING), true, "#ECB22E"),
        (UInt32(NAZAR_SEVERITY_INFO), true, "#36C5F0"),
        (UInt32(NAZAR_SEVERITY_CRITICAL), false, "#2EB67D"),
    ])
    func colourFollowsSeverityAndResolvedIsGreen(severity: UInt32, firing: Bool, colour: String) throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let standIn = try HTTPStandIn(dir: dir)
        let n = try makeNotifier(standIn)
        #expect(n.notify(TestAlert(severity: severity, firing: firing)).delivered)
        let r = try #require(standIn.requests().first)
        #expect(blocks(r).colour == colour)
        let all = texts(blocks(r).blocks)
        if firing {
            #expect(!all.contains("*Resolved*"))
        } else {
            #expect(all.contains("RESOLVED: cpu_high on web1"))
            #expect(all.contains("*Resolved*\n2026-11-18 11:11:40 UTC"), "\(all)")
        }
    }

    @Test func hostileAlertTextStaysValidJSONAndEscapedMrkdwn() throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let standIn = try HTTPStandIn(dir: dir)
        let n = try makeNotifier(standIn)
        let summary = "disk \"/\" <full> & \\ \n\t\u{01} ünïcödé 🚨"
        #expect(n.notify(TestAlert(summary: summary)).delivered)
        let r = try #require(standIn.requests().first)
        #expect(!r.json.isEmpty, "body is not valid JSON: \(r.body)")
        #expect(texts(blocks(r).blocks).contains("disk \"/\" &lt;full&gt; &amp; \\ \n\t\u{01} ünïcödé 🚨"))
    }

    @Test func serverErrorsAreRetriedAndRetryAfterIsHonoured() throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let date = httpDate(secondsFromNow: 30)
        let standIn = try HTTPStandIn(dir: dir, responses: [
            #"{"status": 500, "body": "internal_error"}"#,
            #"{"status": 429, "headers": {"Retry-After": "7"}, "body": "rate_limited"}"#,
            #"{"status": 503, "headers": {"Retry-After": "\#(date)"}}"#,
        ])
        let n = try makeNotifier(standIn)
        let first = n.notify(TestAlert())
        #expect(first.isRetry && first.retryAfterMilliseconds == 0, "\(first)")
        #expect(first.message.contains("HTTP 500") && first.message.contains("internal_error"))
        let second = n.notify(TestAlert())
        #expect(second.isRetry && second.retryAfterMilliseconds == 7000, "\(second)")
        let third = n.notify(TestAlert())
        #expect(third.isRetry && (27_000...30_000).contains(third.retryAfterMilliseconds), "\(third)")
        #expect(n.notify(TestAlert()).delivered)
        #expect(standIn.requests().count == 4)
    }

    @Test(arguments: [(404, "no_service"), (403, "invalid_token"), (400, "invalid_payload"), (410, "channel_is_archived")])
    func clientErrorsArePermanentAndNameTheReasonButNotTheWebhook(status: Int, body: String) throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let standIn = try HTTPStandIn(dir: dir, responses: [#"{"status": \#(status), "body": "\#(body)"}"#])
        let n = try makeNotifier(standIn)
        let result = n.notify(TestAlert())
        #expect(result.isPermanent, "\(result)")
        #expect(result.message == "Slack answered HTTP \(status): \(body)")
        #expect(!result.message.contains("s3cr3t"))
    }

    @Test func aHangingServerIsATransientTimeout() throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let standIn = try HTTPStandIn(dir: dir, responses: [#"{"status": 200, "hang": 5}"#])
        let n = try LoadedNotifier("notifier-slack")
        #expect(n.create("{\"webhook_url\":\"\(webhook(standIn))\",\"timeout\":\"300ms\"}").delivered)
        let clock = ContinuousClock()
        let start = clock.now
        let result = n.notify(TestAlert())
        #expect(clock.now - start < .seconds(2), "the timeout was not applied")
        #expect(result.isRetry, "\(result)")
        #expect(result.message.contains("Timeout"), "\(result.message)")
        #expect(result.message.hasPrefix("http://127.0.0.1:\(standIn.server.port): "), "names the origin only: \(result.message)")
    }

    @Test func aRefusedConnectionIsTransient() throws {
        let n = try LoadedNotifier("notifier-slack")
        // Port 9 (discard) is closed on loopback in any test machine.
        #expect(n.create("{\"webhook_url\":\"http://127.0.0.1:9/services/x/y/secretpart\"}").delivered)
        let result = n.notify(TestAlert())
        #expect(result.isRetry, "\(result)")
        #expect(!result.message.contains("secretpart"))
    }

    @Test(arguments: [
        ("{}", "config key 'webhook_url': missing"),
        ("{\"webhook_url\":\"x\",\"webhook_url_file\":\"/y\"}", "config key 'webhook_url': set only one of"),
        ("{\"webhook_url\":\"ftp://hooks/abc\"}", "config key 'webhook_url': not an http(s) URL"),
        ("{\"webhook_url_file\":\"relative\"}", "config key 'webhook_url_file': must be an absolute path"),
        ("{\"webhook_url_file\":\"/nonexistent/slack\"}", "config key 'webhook_url_file': cannot read /nonexistent/slack"),
        ("{\"webhook_url\":\"https://h/x\",\"timeout\":\"soon\"}", "config key 'timeout': 'soon' is not a duration"),
        ("{\"webhook_url\":\"https://h/x\",\"timeout\":\"10m\"}", "config key 'timeout': must be between 100ms and 5m"),
        ("{\"webhook_url\":\"https://h/x\",\"dashboard_url\":\"nazar.local\"}", "config key 'dashboard_url'"),
        ("{\"webhook_url\":\"https://h/x\",\"chanel\":\"#ops\"}", "config key 'chanel': unknown key"),
    ])
    func badConfigNamesTheKey(config: String, expected: String) throws {
        let n = try LoadedNotifier("notifier-slack")
        let result = n.create(config)
        #expect(result.isPermanent)
        #expect(result.message.hasPrefix(expected), "\(result.message)")
    }

    @Test func theWebhookURLNeverReachesLogsOrErrors() throws {
        let dir = try TestPaths.makeTemporaryDirectory("slack")
        let standIn = try HTTPStandIn(dir: dir, responses: [
            // A server echoing the request path back must not leak it either.
            #"{"status": 400, "body": "bad request for /services/T0001/B0002/s3cr3tWebhookToken"}"#,
            #"{"status": 500, "body": "s3cr3tWebhookToken"}"#,
        ])
        let configFile = "\(dir)/slack.toml"
        try writeFile(configFile, "webhook_url = \"…\"\n", mode: 0o644)
        let host = FakeNotifierHost(configPath: configFile)
        let n = try LoadedNotifier("notifier-slack", host: host)
        #expect(n.create("{\"webhook_url\":\"\(webhook(standIn))\"}").delivered)
        let r1 = n.notify(TestAlert())
        let r2 = n.notify(TestAlert())
        for text in [r1.message, r2.message, host.allLogText] {
            #expect(!text.contains("s3cr3tWebhookToken"), "leaked: \(text)")
        }
        #expect(r1.message.contains("<redacted>"))
    }
}

/// An IMF-fixdate `seconds` from now.
func httpDate(secondsFromNow seconds: Int) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "GMT")
    f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return f.string(from: Date().addingTimeInterval(TimeInterval(seconds)))
}
