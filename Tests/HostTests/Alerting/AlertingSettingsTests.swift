import Testing
@testable import Host

extension Config {
    @Suite struct AlertingSettingsTests {
        @Test func defaultsAreAlertmanagersAndOurs() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("")
            let a = try fx.load().daemon.alerting
            #expect(a.grouping.groupBy == ["host", "rule"])
            #expect(a.grouping.groupWait == .seconds(30))
            #expect(a.grouping.groupInterval == .seconds(300))
            #expect(a.grouping.repeatInterval == .seconds(4 * 3600))
            #expect(a.grouping.sendResolved)
            #expect(a.cooldown == .seconds(300))
            #expect(a.pendingFor == .zero)
            #expect(a.outbox == OutboxSettings(retryMin: .seconds(1), retryMax: .seconds(300), maxAttempts: 0, maxAge: .seconds(86_400)))
            #expect(a.routes.isEmpty)
        }

        @Test func everySettingAndRoutesAreRead() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("""
                [alerting]
                group_by = ["host"]
                group_wait = "10s"
                group_interval = "1m"
                repeat_interval = "2h"
                send_resolved = false
                cooldown = "0s"
                pending_for = "30s"
                retry_min = "2s"
                retry_max = "1m"
                max_attempts = 10
                max_age = "12h"

                [[alerting.route]]
                matchers = ['{host=~"web.*"}', 'team="db"']
                severity = "critical"
                notifiers = ["slack-oncall", "mail"]
                continue = true
                group_wait = "0s"

                [[alerting.route]]
                notifiers = ["mail"]
                """)
            let a = try fx.load().daemon.alerting
            #expect(a.grouping == AlertGrouping(groupBy: ["host"], groupWait: .seconds(10), groupInterval: .seconds(60),
                                                repeatInterval: .seconds(7200), sendResolved: false))
            #expect(a.cooldown == .zero && a.pendingFor == .seconds(30))
            #expect(a.outbox == OutboxSettings(retryMin: .seconds(2), retryMax: .seconds(60), maxAttempts: 10, maxAge: .seconds(43_200)))
            #expect(a.routes.count == 2)
            let first = try #require(a.routes.first)
            #expect(first.matchers.map(\.description) == ["host=~\"web.*\"", "team=\"db\""])
            #expect(first.severity == .critical)
            #expect(first.notifiers == ["slack-oncall", "mail"])
            #expect(first.continueMatching)
            #expect(first.grouping.groupWait == .zero, "a route overrides")
            #expect(first.grouping.groupInterval == .seconds(60), "and inherits the rest from [alerting]")
            #expect(a.routes.last?.continueMatching == false)
        }

        @Test func aRouteNamingNoEnabledInstanceIsWarnedAbout() throws {
            let fx = try ConfigFixture()
            try fx.writeMain("""
                [[alerting.route]]
                notifiers = ["slack", "mail"]
                [[alerting.route]]
                notifiers = ["pager"]
                """)
            try fx.writePlugin("slack.toml", "plugin = \"notifier-slack\"\n")
            try fx.writePlugin("mail.toml", "plugin = \"notifier-smtp\"\nenabled = false\n")
            let loaded = try fx.load()
            let warnings = loaded.diagnostics.filter { !$0.isError && $0.key?.hasPrefix("alerting") == true }
            #expect(warnings.map(\.key) == ["alerting.route[0].notifiers", "alerting.route[1].notifiers"])
            #expect(warnings.first?.message == "instance 'mail' is disabled in plugins.d: alerts taking this route are not sent to it")
            #expect(warnings.last?.message == "no plugins.d instance is named 'pager': alerts taking this route are not sent to it")
        }

        static let invalid: [(String, Int, String, String)] = [
            ("[alerting]\ngroup_wait = \"soon\"\n", 2, "alerting.group_wait",
             "'soon' is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d, or a number of seconds)"),
            ("[alerting]\ngroup_by = [\"host-name\"]\n", 2, "alerting.group_by", "'host-name' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"),
            ("[alerting]\nretry_min = \"10s\"\nretry_max = \"1s\"\n", 3, "alerting.retry_max", "retry_max (1s) is shorter than retry_min (10s)"),
            ("[alerting]\nmax_attempts = -1\n", 2, "alerting.max_attempts", "-1 is outside 0...1000000"),
            ("[alerting]\nsilly = 1\n", 2, "alerting.silly",
             "unknown key (known keys: cooldown, group_by, group_interval, group_wait, max_age, max_attempts, pending_for, repeat_interval, retry_max, retry_min, route, send_resolved)"),
            ("[[alerting.route]]\nnotifiers = []\n", 2, "alerting.route[0].notifiers", "a route needs notifiers = [\"instance\", ...]"),
            ("[[alerting.route]]\nnotifiers = [\"a\"]\nseverity = \"fatal\"\n", 3, "alerting.route[0].severity",
             "'fatal' is not one of info, warning, critical"),
            ("[[alerting.route]]\nnotifiers = [\"a\"]\nmatchers = ['host=~\"(\"']\n", 3, "alerting.route[0].matchers[0]", ""),
            ("[[alerting.route]]\nnotifiers = [\"a\"]\nwhen = 1\n", 3, "alerting.route[0].when", ""),
        ]

        @Test(arguments: invalid)
        func invalidValuesNameFileLineAndKey(_ c: (String, Int, String, String)) throws {
            let (text, line, key, message) = c
            let fx = try ConfigFixture()
            try fx.writeMain(text)
            let error = try #require(fx.loadError())
            #expect(error.file == fx.mainPath)
            #expect(error.line == line)
            #expect(error.key == key)
            if !message.isEmpty { #expect(error.message == message) }
        }
    }
}
