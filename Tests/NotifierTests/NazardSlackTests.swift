import Foundation
import Testing

/// A real nazard: the C collector-example and the C test-detector raise an alert that
/// reaches notifier-slack and, through it, the Slack stand-in.
@Suite struct NazardSlackTests {
    func start(_ responses: [String], fallback: String? = nil) throws -> (HTTPStandIn, NazardRun) {
        let dir = try TestPaths.makeTemporaryDirectory("e2e")
        mkdir("\(dir)/lib", 0o755)
        try compileCPlugin("Plugins/examples/collector-example.c", to: "\(dir)/lib/collector-example.so")
        try compileCPlugin("Tests/HostTests/Fixtures/test-detector.c", to: "\(dir)/lib/test-detector.so")
        let standIn = try HTTPStandIn(dir: dir, responses: responses, fallback: fallback)
        try writeFile("\(dir)/slack-webhook", standIn.baseURL + "/services/T1/B2/e2eWebhookSecret\n")
        let nazard = try NazardRun(dir: dir, pluginDirs: ["\(dir)/lib"], plugins: [
            "example": """
                plugin = "collector-example"
                interval = "100ms"
                [config]
                base = 0.0
                step = 1.0
                """,
            "detector": """
                plugin = "test-detector"
                subscribe = ["metrics.itest.example.value"]
                [config]
                threshold = 3.0
                """,
            "slack": """
                plugin = "notifier-slack"
                subscribe = ["alerts.critical.#"]
                [config]
                webhook_url_file = "\(dir)/slack-webhook"
                timeout = "2s"
                """,
        ])
        return (standIn, nazard)
    }

    @Test func anAlertReachesSlackAfterA429WithRetryAfter() throws {
        let (standIn, nazard) = try start([#"{"status": 429, "headers": {"Retry-After": "1"}, "body": "rate_limited"}"#])
        #expect(eventually(timeout: .seconds(20)) { standIn.requests().count >= 2 }, "log: \(nazard.log)")
        let requests = standIn.requests()
        try #require(requests.count >= 2)
        #expect(requests[1].time - requests[0].time >= 0.95, "Retry-After: 1 was not honoured")
        #expect(requests[1].path == "/services/T1/B2/e2eWebhookSecret")
        let body = requests[1].body
        #expect(body.contains("FIRING: value_high on itest"), "\(body)")
        #expect(body.contains("example.value 4.0 &gt; 3.0"), "\(body)")
        #expect(requests[0].body == requests[1].body, "the retry sends the same alert")
        let log = nazard.log
        #expect(log.contains("notify_retry"), "\(log)")
        #expect(log.contains("Slack answered HTTP 429: rate_limited (retry after 1000 ms)"))
        #expect(!log.contains("e2eWebhookSecret"))
    }

    @Test func aRejectedWebhookIsAPermanentFailureInTheLog() throws {
        let (standIn, nazard) = try start([], fallback: #"{"status": 404, "body": "no_service"}"#)
        #expect(eventually(timeout: .seconds(20)) { nazard.log.contains("notify_failed") }, "log: \(nazard.log)")
        let log = nazard.log
        #expect(log.contains("Slack answered HTTP 404: no_service"), "\(log)")
        #expect(!log.contains("notify_retry"), "a permanent failure is not retried")
        usleep(500_000)
        #expect(standIn.requests().count == 1)
        #expect(!log.contains("e2eWebhookSecret"))
    }

    @Test func nazardTellsThePluginItsConfigFileSoAnInlineSecretInAReadableFileIsWarnedAbout() throws {
        let dir = try TestPaths.makeTemporaryDirectory("e2e")
        let standIn = try HTTPStandIn(dir: dir)
        let nazard = try NazardRun(dir: dir, plugins: [
            "slack": """
                plugin = "notifier-slack"
                subscribe = ["alerts.#"]
                [config]
                webhook_url = "\(standIn.baseURL)/services/T1/B2/inlineWebhookSecret"
                """,
        ], mode: 0o644)
        let file = "\(dir)/plugins.d/slack.toml"
        #expect(eventually(timeout: .seconds(10)) { nazard.log.contains("inline_secret_readable") }, "log: \(nazard.log)")
        let log = nazard.log
        #expect(log.contains("config key 'webhook_url' holds a secret inline in \(file), which every user can read (mode 644)"), "\(log)")
        #expect(!log.contains("inlineWebhookSecret"))
    }
}
