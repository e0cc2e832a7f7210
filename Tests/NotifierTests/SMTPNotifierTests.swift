import Foundation
import PluginAPI
import Testing

/// notifier-smtp through its C descriptor against a real SMTP server on loopback
/// (aiosmtpd) with STARTTLS, SMTPS and AUTH.
@Suite struct SMTPNotifierTests {
    static let password = "Pa55-secret-word"

    struct ParsedMail {
        var headers: [String: String]  // lower-cased names, unfolded
        var parts: [String: String]  // content type → decoded body

        init(_ raw: String) {
            let normalised = raw.replacingOccurrences(of: "\r\n", with: "\n")
            let split = normalised.components(separatedBy: "\n\n")
            var headers: [String: String] = [:]
            var last = ""
            for line in split[0].split(separator: "\n") {
                if line.first == " " || line.first == "\t" {
                    headers[last, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
                } else if let colon = line.firstIndex(of: ":") {
                    last = line[..<colon].lowercased()
                    headers[last] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            self.headers = headers
            var parts: [String: String] = [:]
            if let b = headers["content-type"]?.components(separatedBy: "boundary=\"").last?.dropLast() {
                for chunk in normalised.components(separatedBy: "--\(b)").dropFirst() where !chunk.hasPrefix("--") {
                    let pieces = chunk.components(separatedBy: "\n\n")
                    guard pieces.count >= 2 else { continue }
                    let type = pieces[0].contains("text/html") ? "text/html" : "text/plain"
                    let base64 = pieces[1].replacingOccurrences(of: "\n", with: "")
                    parts[type] = Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) } ?? "<not base64>"
                }
            }
            self.parts = parts
        }
    }

    func config(_ smtp: SMTPStandIn, scheme: String = "smtp", starttls: String? = "required", auth: Bool = true,
                extra: String = "") -> String {
        var c = "{\"url\":\"\(scheme)://127.0.0.1:\(smtp.port)\",\"from\":\"Nazar Alerts <nazar@example.org>\","
            + "\"to\":[\"ops@example.org\",\"Jörg Ops <joerg@example.org>\"],\"timeout\":\"3s\""
        if let starttls { c += ",\"starttls\":\"\(starttls)\"" }
        if auth { c += ",\"username\":\"alerts\",\"password\":\"\(Self.password)\"" }
        return c + extra + "}"
    }

    func waitForMails(_ smtp: SMTPStandIn, _ count: Int) -> [SMTPStandIn.Mail] {
        _ = eventually { smtp.mails().count >= count }
        return smtp.mails()
    }

    @Test func startTLSWithAuthDeliversAThreadedMultipartMail() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let cert = try makeCertificate(in: dir)
        let smtp = try SMTPStandIn(dir: dir, tls: "starttls", cert: cert, auth: "alerts:\(Self.password)")
        let n = try LoadedNotifier("notifier-smtp")
        let created = n.create(config(smtp, extra: ",\"ca_file\":\"\(cert.cert)\",\"dashboard_url\":\"https://nazar.example/a?rule={rule}&host={host}\""))
        try #require(created.delivered, "\(created.message)")

        let firing = n.notify(TestAlert(summary: "cpu <97%> & climbing"))
        #expect(firing.delivered, "\(firing.message)")
        let resolved = n.notify(TestAlert(firing: false, summary: "cpu back to 12%"))
        #expect(resolved.delivered, "\(resolved.message)")

        let mails = waitForMails(smtp, 2)
        try #require(mails.count == 2)
        #expect(mails[0].tls, "STARTTLS was not used")
        #expect(mails[0].login == "alerts")
        #expect(mails[0].mailFrom == "nazar@example.org")
        #expect(mails[0].recipients == ["ops@example.org", "joerg@example.org"])

        let first = ParsedMail(mails[0].raw)
        #expect(first.headers["from"] == "\"Nazar Alerts\" <nazar@example.org>")
        #expect(first.headers["to"]?.contains("ops@example.org") == true)
        #expect(first.headers["to"]?.contains("=?UTF-8?B?") == true, "non-ASCII name is RFC 2047 encoded")
        #expect(first.headers["subject"] == "[FIRING] critical: cpu_high on web1 – cpu <97%> & climbing"
                || first.headers["subject"]?.hasPrefix("=?UTF-8?B?") == true)
        #expect(first.headers["message-id"] == "<nazar.abcdef0123456789.1795000000000000000@example.org>")
        #expect(first.headers["in-reply-to"] == nil)
        #expect(first.headers["mime-version"] == "1.0")
        #expect(first.headers["content-type"]?.hasPrefix("multipart/alternative; boundary=") == true)
        #expect(first.headers["auto-submitted"] == "auto-generated")
        let date = first.headers["date"] ?? ""
        #expect(date.range(of: #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$"#,
                           options: .regularExpression) != nil, "Date: \(date)")
        let text = first.parts["text/plain"] ?? ""
        #expect(text.contains("cpu <97%> & climbing") && text.contains("Host: web1") && text.contains("Value: 97.2"), "\(text)")
        let html = first.parts["text/html"] ?? ""
        #expect(html.contains("<p>cpu &lt;97%&gt; &amp; climbing</p>"), "\(html)")
        #expect(html.contains("<th align=\"left\">Started</th><td>2026-11-18 11:06:40 UTC</td>"))
        #expect(text.contains("Dashboard: https://nazar.example/a?rule=cpu_high&host=web1"))
        #expect(html.contains("<a href=\"https://nazar.example/a?rule=cpu_high&amp;host=web1\">Open dashboard</a>"))

        let second = ParsedMail(mails[1].raw)
        #expect(second.headers["message-id"] == "<nazar.abcdef0123456789.1795000000000000000.resolved@example.org>")
        #expect(second.headers["in-reply-to"] == first.headers["message-id"])
        #expect(second.headers["references"] == first.headers["message-id"])
        #expect(second.parts["text/plain"]?.contains("Resolved: 2026-11-18 11:11:40 UTC") == true)
    }

    @Test func subjectWithNonASCIIIsEncodedAndDecodesBack() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let smtp = try SMTPStandIn(dir: dir)
        let n = try LoadedNotifier("notifier-smtp")
        #expect(n.create(config(smtp, starttls: "off", auth: false)).delivered)
        let summary = "Température élevée 🔥 " + String(repeating: "ü", count: 60)
        #expect(n.notify(TestAlert(summary: summary)).delivered)
        let mail = try #require(waitForMails(smtp, 1).first)
        // Python's email package decodes RFC 2047 words: the subject must round-trip.
        let check = try runTool(TestPaths.python, ["-c", """
            import email, email.header, sys
            m = email.message_from_string(open(sys.argv[1]).read())
            print(str(email.header.make_header(email.header.decode_header(m['Subject']))))
            """, "\(smtp.recordDir)/1.eml"])
        #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[FIRING] critical: cpu_high on web1 – \(summary)",
                "\(check.output)")
        #expect(!mail.raw.split(separator: "\r\n").contains { $0.utf8.count > 998 }, "a line exceeds RFC 5322's limit")
    }

    @Test func smtpsDeliversOverImplicitTLS() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let cert = try makeCertificate(in: dir)
        let smtp = try SMTPStandIn(dir: dir, tls: "smtps", cert: cert, auth: "alerts:\(Self.password)")
        let n = try LoadedNotifier("notifier-smtp")
        #expect(n.create(config(smtp, scheme: "smtps", starttls: nil, extra: ",\"ca_file\":\"\(cert.cert)\"")).delivered)
        let result = n.notify(TestAlert())
        #expect(result.delivered, "\(result.message)")
        let mail = try #require(waitForMails(smtp, 1).first)
        #expect(mail.tls && mail.login == "alerts")
    }

    @Test func anUntrustedCertificateIsNotAccepted() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let cert = try makeCertificate(in: dir)
        let smtp = try SMTPStandIn(dir: dir, tls: "starttls", cert: cert, auth: "alerts:\(Self.password)")
        let n = try LoadedNotifier("notifier-smtp")
        #expect(n.create(config(smtp)).delivered)
        let result = n.notify(TestAlert())
        #expect(!result.delivered, "a self-signed certificate was trusted without ca_file")
        #expect(smtp.mails().isEmpty)
        // insecure_skip_verify (tests only) lets it through.
        let insecure = try LoadedNotifier("notifier-smtp")
        #expect(insecure.create(config(smtp, extra: ",\"insecure_skip_verify\":true")).delivered)
        #expect(insecure.notify(TestAlert()).delivered)
    }

    @Test func requiredStartTLSAgainstAServerWithoutItIsPermanent() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let smtp = try SMTPStandIn(dir: dir)
        let n = try LoadedNotifier("notifier-smtp")
        #expect(n.create(config(smtp, auth: false)).delivered)
        let result = n.notify(TestAlert())
        #expect(result.isPermanent, "\(result)")
        #expect(result.message.contains("does not offer STARTTLS"), "\(result.message)")
        // opportunistic sends in clear text to the same server.
        let opportunistic = try LoadedNotifier("notifier-smtp")
        #expect(opportunistic.create(config(smtp, starttls: "opportunistic", auth: false)).delivered)
        #expect(opportunistic.notify(TestAlert()).delivered)
        #expect(waitForMails(smtp, 1).first?.tls == false)
    }

    @Test func aWrongPasswordIsPermanentAndNotShown() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let cert = try makeCertificate(in: dir)
        let smtp = try SMTPStandIn(dir: dir, tls: "starttls", cert: cert, auth: "alerts:the-right-one")
        let host = FakeNotifierHost()
        let n = try LoadedNotifier("notifier-smtp", host: host)
        #expect(n.create(config(smtp, extra: ",\"ca_file\":\"\(cert.cert)\"")).delivered)
        let result = n.notify(TestAlert())
        #expect(result.isPermanent, "\(result)")
        #expect(result.message.contains("login rejected for user 'alerts'"), "\(result.message)")
        #expect(!result.message.contains(Self.password) && !host.allLogText.contains(Self.password))
    }

    @Test func rejectedRecipientIsPermanentAndTemporaryRefusalIsRetried() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let rejecting = try SMTPStandIn(dir: dir, failRecipients: true)
        let n1 = try LoadedNotifier("notifier-smtp")
        #expect(n1.create(config(rejecting, starttls: "off", auth: false)).delivered)
        let rejected = n1.notify(TestAlert())
        #expect(rejected.isPermanent && rejected.message.contains("550"), "\(rejected)")

        let busy = try SMTPStandIn(dir: dir, failDataTemporarily: true)
        let n2 = try LoadedNotifier("notifier-smtp")
        #expect(n2.create(config(busy, starttls: "off", auth: false)).delivered)
        let deferred = n2.notify(TestAlert())
        #expect(deferred.isRetry && deferred.message.contains("451"), "\(deferred)")
    }

    @Test func aServerThatIsDownIsTransient() throws {
        let n = try LoadedNotifier("notifier-smtp")
        #expect(n.create("{\"url\":\"smtp://127.0.0.1:9\",\"starttls\":\"off\",\"from\":\"a@b.c\",\"to\":[\"d@e.f\"]}").delivered)
        let result = n.notify(TestAlert())
        #expect(result.isRetry, "\(result)")
        #expect(result.message.hasPrefix("smtp://127.0.0.1:9: "), "\(result.message)")
    }

    @Test func aServerThatNeverGreetsIsATransientTimeout() throws {
        // A listening socket nobody accepts on: the TCP handshake completes in the
        // kernel, the SMTP greeting never comes.
        let silent = try LoopbackSocket(listenBacklog: 4)
        defer { withExtendedLifetime(silent) {} }
        let port = silent.port
        let n = try LoadedNotifier("notifier-smtp")
        #expect(n.create("{\"url\":\"smtp://127.0.0.1:\(port)\",\"starttls\":\"off\",\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"timeout\":\"400ms\"}").delivered)
        let clock = ContinuousClock()
        let start = clock.now
        let result = n.notify(TestAlert())
        #expect(clock.now - start < .seconds(3))
        #expect(result.isRetry && result.message.contains("Timeout"), "\(result)")
    }

    @Test func passwordFromAFile() throws {
        guard requireDependency("python3-aiosmtpd", aiosmtpdAvailable) else { return }
        let dir = try TestPaths.makeTemporaryDirectory("smtp")
        let cert = try makeCertificate(in: dir)
        let smtp = try SMTPStandIn(dir: dir, tls: "starttls", cert: cert, auth: "alerts:\(Self.password)")
        try writeFile("\(dir)/smtp-password", Self.password + "\n")
        let n = try LoadedNotifier("notifier-smtp")
        let c = "{\"url\":\"smtp://127.0.0.1:\(smtp.port)\",\"username\":\"alerts\",\"password_file\":\"\(dir)/smtp-password\","
            + "\"from\":\"nazar@example.org\",\"to\":[\"ops@example.org\"],\"ca_file\":\"\(cert.cert)\"}"
        #expect(n.create(c).delivered)
        #expect(n.notify(TestAlert()).delivered)
        #expect(waitForMails(smtp, 1).first?.login == "alerts")
    }

    @Test(arguments: [
        ("{}", "config key 'url': missing"),
        ("{\"url\":\"http://mail\"}", "config key 'url': 'http://mail' must start with smtp:// or smtps://"),
        ("{\"url\":\"smtp://user:pw@mail\"}", "config key 'url': must not contain credentials"),
        ("{\"url\":\"smtp://mail\",\"starttls\":\"maybe\"}", "config key 'starttls': 'maybe' is not one of required, opportunistic, off"),
        ("{\"url\":\"smtps://mail\",\"starttls\":\"off\"}", "config key 'starttls': does not apply to smtps://"),
        ("{\"url\":\"smtp://mail\",\"username\":\"u\"}", "config key 'password': missing"),
        ("{\"url\":\"smtp://mail\",\"password\":\"p\"}", "config key 'username': missing"),
        ("{\"url\":\"smtp://mail\"}", "config key 'from': missing"),
        ("{\"url\":\"smtp://mail\",\"from\":\"nazar\"}", "config key 'from': 'nazar' is not an e-mail address"),
        ("{\"url\":\"smtp://mail\",\"from\":\"a@b\"}", "config key 'to': missing"),
        ("{\"url\":\"smtp://mail\",\"from\":\"a@b\",\"to\":[]}", "config key 'to': missing"),
        ("{\"url\":\"smtp://mail\",\"from\":\"a@b\",\"to\":[\"x@y\",\"bad\"]}", "config key 'to[1]': 'bad' is not an e-mail address"),
        ("{\"url\":\"smtp://mail\",\"from\":\"a@b\\r\\nBcc: evil@x\",\"to\":[\"x@y\"]}", "config key 'from': must not contain line breaks"),
        ("{\"url\":\"smtp://mail\",\"from\":\"a@b\",\"to\":\"x@y\"}", "config key 'to': expected an array of strings"),
    ])
    func badConfigNamesTheKey(config: String, expected: String) throws {
        let n = try LoadedNotifier("notifier-smtp")
        let result = n.create(config)
        #expect(result.isPermanent)
        #expect(result.message.hasPrefix(expected), "\(result.message)")
    }
}
