import Foundation
import PluginAPI
import Testing

/// notifier-telegram through its C descriptor against the loopback Bot API stand-in.
@Suite struct TelegramNotifierTests {
    static let token = "123456789:AAHsecretBotTokenXYZ_abc-def"

    func makeNotifier(_ standIn: HTTPStandIn, chat: String = "-1001234567890") throws -> LoadedNotifier {
        let n = try LoadedNotifier("notifier-telegram")
        let created = n.create("{\"api_base\":\"\(standIn.baseURL)/\",\"bot_token\":\"\(Self.token)\",\"chat_id\":\(chat),\"timeout\":\"1s\"}")
        #expect(created.delivered, "create: \(created.message)")
        return n
    }

    /// The text a Telegram client shows: tags removed, entities decoded.
    func visibleText(_ html: String) -> String {
        var out = ""
        var inTag = false
        for ch in html {
            if ch == "<" { inTag = true } else if ch == ">" { inTag = false } else if !inTag { out.append(ch) }
        }
        return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func sendMessageCarriesEscapedHTMLToTheChat() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir, fallback: #"{"status": 200, "body": "{\"ok\":true,\"result\":{}}"}"#)
        let n = try makeNotifier(standIn)
        let result = n.notify(TestAlert(summary: "load <5m> & rising: a<b>c"))
        #expect(result.delivered, "\(result.message)")
        let r = try #require(standIn.requests().first)
        #expect(r.path == "/bot\(Self.token)/sendMessage")
        #expect(r.json["chat_id"] as? Int == -1001234567890)
        #expect(r.json["parse_mode"] as? String == "HTML")
        let text = r.json["text"] as? String ?? ""
        #expect(text.hasPrefix("<b>🚨 FIRING: cpu_high</b>\nload &lt;5m&gt; &amp; rising: a&lt;b&gt;c\n"), "\(text)")
        #expect(text.contains("<b>Host:</b> web1"))
        #expect(text.contains("<b>Value:</b> 97.2"))
        #expect(text.contains("<b>Labels:</b> <code>cpu=all</code>"))
        #expect(!text.contains("<5m>"))
    }

    @Test func theDashboardLinkIsAnEscapedAnchor() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir)
        let n = try LoadedNotifier("notifier-telegram")
        #expect(n.create("{\"api_base\":\"\(standIn.baseURL)\",\"bot_token\":\"\(Self.token)\",\"chat_id\":1,"
                         + "\"dashboard_url\":\"https://nazar.example/a?rule={rule}&host={host}\"}").delivered)
        #expect(n.notify(TestAlert()).delivered)
        let text = try #require(standIn.requests().first?.json["text"] as? String)
        #expect(text.hasSuffix("\n<a href=\"https://nazar.example/a?rule=cpu_high&amp;host=web1\">Open dashboard</a>"), "\(text)")
    }

    @Test func chatIDMayBeAChannelName() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir)
        let n = try makeNotifier(standIn, chat: "\"@nazar_alerts\"")
        #expect(n.notify(TestAlert(firing: false)).delivered)
        let r = try #require(standIn.requests().first)
        #expect(r.json["chat_id"] as? String == "@nazar_alerts")
        #expect((r.json["text"] as? String)?.hasPrefix("<b>✅ RESOLVED: cpu_high</b>") == true)
    }

    @Test func aLongAlertIsCutToTelegramsLimitBetweenCharactersAndOutsideEntities() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir)
        let n = try makeNotifier(standIn)
        // Escapes and 4-byte characters around every possible cut position.
        let summary = String(repeating: "a&<é🚨", count: 2000)
        #expect(n.notify(TestAlert(summary: summary)).delivered)
        let r = try #require(standIn.requests().first)
        let text = try #require(r.json["text"] as? String, "body is not valid JSON/UTF-8: \(r.body.prefix(200))")
        let visible = visibleText(text)
        #expect(visible.utf16.count <= 4096, "visible length \(visible.utf16.count)")
        #expect(visible.utf16.count > 4000, "cut far more than needed: \(visible.utf16.count)")
        #expect(visible.contains("…\n"))
        // Every '&' in the HTML starts a whole entity: nothing was cut inside one.
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            let after = rest[amp...]
            #expect(after.hasPrefix("&amp;") || after.hasPrefix("&lt;") || after.hasPrefix("&gt;") || after.hasPrefix("&quot;"),
                    "broken entity at \(after.prefix(8))")
            rest = rest[rest.index(after: amp)...]
        }
        #expect(text.contains("<b>Host:</b> web1"), "the fixed fields survive the cut")
    }

    @Test func badTokenIsPermanentAndTheTokenIsNeverShown() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir, responses: [
            #"{"status": 401, "body": "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}"}"#,
            #"{"status": 400, "body": "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: chat not found\"}"}"#,
        ])
        let host = FakeNotifierHost()
        let n = try LoadedNotifier("notifier-telegram", host: host)
        #expect(n.create("{\"api_base\":\"\(standIn.baseURL)\",\"bot_token\":\"\(Self.token)\",\"chat_id\":1}").delivered)
        let unauthorized = n.notify(TestAlert())
        #expect(unauthorized.isPermanent)
        #expect(unauthorized.message.contains("HTTP 401") && unauthorized.message.contains("Unauthorized"), "\(unauthorized.message)")
        let notFound = n.notify(TestAlert())
        #expect(notFound.isPermanent && notFound.message.contains("chat not found"))
        for text in [unauthorized.message, notFound.message, host.allLogText] {
            #expect(!text.contains("AAHsecretBotToken"))
        }
    }

    @Test func tooManyRequestsUsesTheRetryAfterFromTheBody() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir, responses: [
            #"{"status": 429, "body": "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 3\",\"parameters\":{\"retry_after\":3}}"}"#,
            #"{"status": 502, "body": "bad gateway"}"#,
        ])
        let n = try makeNotifier(standIn)
        let limited = n.notify(TestAlert())
        #expect(limited.isRetry && limited.retryAfterMilliseconds == 3000, "\(limited)")
        let gateway = n.notify(TestAlert())
        #expect(gateway.isRetry && gateway.retryAfterMilliseconds == 0)
        #expect(n.notify(TestAlert()).delivered)
    }

    @Test func tokenFromAFileAndFromASystemdCredential() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let standIn = try HTTPStandIn(dir: dir)
        try writeFile("\(dir)/token", Self.token + "\n")
        let fromFile = try LoadedNotifier("notifier-telegram")
        #expect(fromFile.create("{\"api_base\":\"\(standIn.baseURL)\",\"bot_token_file\":\"\(dir)/token\",\"chat_id\":1}").delivered)
        #expect(fromFile.notify(TestAlert()).delivered)
        #expect(standIn.requests().last?.path == "/bot\(Self.token)/sendMessage")

        // $CREDENTIALS_DIRECTORY is what systemd sets for LoadCredential=.
        mkdir("\(dir)/credentials", 0o700)
        try writeFile("\(dir)/credentials/telegram-token", "987:credentialToken")
        setenv("CREDENTIALS_DIRECTORY", "\(dir)/credentials", 1)
        defer { unsetenv("CREDENTIALS_DIRECTORY") }
        let fromCredential = try LoadedNotifier("notifier-telegram")
        let created = fromCredential.create("{\"api_base\":\"\(standIn.baseURL)\",\"bot_token_credential\":\"telegram-token\",\"chat_id\":1}")
        #expect(created.delivered, "\(created.message)")
        #expect(fromCredential.notify(TestAlert()).delivered)
        #expect(standIn.requests().last?.path == "/bot987:credentialToken/sendMessage")

        let missing = try LoadedNotifier("notifier-telegram")
        let result = missing.create("{\"bot_token_credential\":\"nope\",\"chat_id\":1}")
        #expect(result.isPermanent && result.message.hasPrefix("config key 'bot_token_credential': cannot read \(dir)/credentials/nope"),
                "\(result.message)")
    }

    @Test func inlineTokenInAWorldReadableFileIsWarnedAboutWithoutShowingIt() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let readable = "\(dir)/telegram.toml"
        try writeFile(readable, "plugin = \"notifier-telegram\"\n", mode: 0o644)
        let host = FakeNotifierHost(configPath: readable)
        let n = try LoadedNotifier("notifier-telegram", host: host)
        #expect(n.create("{\"bot_token\":\"\(Self.token)\",\"chat_id\":1}").delivered)
        let warnings = host.logs.withLock { $0.filter { $0.fields["NAZAR_EVENT"] == "inline_secret_readable" } }
        try #require(warnings.count == 1)
        #expect(warnings[0].level == 4)
        #expect(warnings[0].message.contains("config key 'bot_token' holds a secret inline in \(readable)"))
        #expect(warnings[0].message.contains("mode 644") && warnings[0].message.contains("bot_token_file"))
        #expect(!host.allLogText.contains("AAHsecretBotToken"))

        let privateFile = "\(dir)/private.toml"
        try writeFile(privateFile, "", mode: 0o640)
        let quietHost = FakeNotifierHost(configPath: privateFile)
        let quiet = try LoadedNotifier("notifier-telegram", host: quietHost)
        #expect(quiet.create("{\"bot_token\":\"\(Self.token)\",\"chat_id\":1}").delivered)
        #expect(quietHost.logs.withLock { $0.isEmpty })
    }

    @Test func aHostOlderThanConfigPathIsNotAskedForIt() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        let readable = "\(dir)/telegram.toml"
        try writeFile(readable, "", mode: 0o644)
        // The table ends before config_path, as an ABI 1 host from before it was appended;
        // the function pointer is still set so a plugin ignoring struct_size would call it.
        let old = FakeNotifierHost(configPath: readable, tableSize: MemoryLayout<nazar_host_api>.offset(of: \.config_path)!)
        let n = try LoadedNotifier("notifier-telegram", host: old)
        #expect(n.create("{\"bot_token\":\"\(Self.token)\",\"chat_id\":1}").delivered)
        #expect(old.logs.withLock { $0.isEmpty }, "the plugin read past the host's table")
    }

    @Test func aSecretFileOthersCanReadIsWarnedAbout() throws {
        let dir = try TestPaths.makeTemporaryDirectory("tg")
        try writeFile("\(dir)/token", Self.token, mode: 0o644)
        let host = FakeNotifierHost()
        let n = try LoadedNotifier("notifier-telegram", host: host)
        #expect(n.create("{\"bot_token_file\":\"\(dir)/token\",\"chat_id\":1}").delivered)
        let warning = host.logs.withLock { $0.first { $0.fields["NAZAR_EVENT"] == "secret_file_readable" } }
        #expect(warning?.message == "config key 'bot_token_file': the secret file \(dir)/token is readable by every user (mode 644): chmod 0640 it and give it to the nazar group")
        #expect(!host.allLogText.contains("AAHsecretBotToken"))
        chmod("\(dir)/token", 0o640)
        let quietHost = FakeNotifierHost()
        let quiet = try LoadedNotifier("notifier-telegram", host: quietHost)
        #expect(quiet.create("{\"bot_token_file\":\"\(dir)/token\",\"chat_id\":1}").delivered)
        #expect(quietHost.logs.withLock { $0.isEmpty })
    }

    @Test(arguments: [
        ("{\"bot_token\":\"1:a\"}", "config key 'chat_id': missing"),
        ("{\"bot_token\":\"1:a\",\"chat_id\":1.5}", "config key 'chat_id': expected an integer or a string"),
        ("{\"bot_token\":\"1:a/../x\",\"chat_id\":1}", "config key 'bot_token': is not a bot token"),
        ("{\"chat_id\":1}", "config key 'bot_token': missing"),
        ("{\"bot_token\":\"1:a\",\"chat_id\":1,\"api_base\":\"api.telegram.org\"}", "config key 'api_base'"),
        ("{\"bot_token\":\"1:a\",\"chat_id\":1,\"insecure_skip_verify\":\"yes\"}", "config key 'insecure_skip_verify': expected true or false"),
    ])
    func badConfigNamesTheKey(config: String, expected: String) throws {
        let n = try LoadedNotifier("notifier-telegram")
        let result = n.create(config)
        #expect(result.isPermanent)
        #expect(result.message.hasPrefix(expected), "\(result.message)")
    }
}
