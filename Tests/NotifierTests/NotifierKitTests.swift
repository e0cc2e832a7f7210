import Foundation
import PluginKit
import Testing
@testable import NotifierKit

/// The pieces the three notifiers share, tested on their own.
@Suite struct NotifierKitTests {
    @Test func retryAfterInSecondsAndAsAnHTTPDate() {
        #expect(RetryAfter.milliseconds("120", nowSeconds: 0) == 120_000)
        #expect(RetryAfter.milliseconds(" 0 ", nowSeconds: 0) == 0)
        // 784111777 = Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example).
        #expect(RetryAfter.milliseconds("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: 784_111_767) == 10_000)
        #expect(RetryAfter.milliseconds("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: 784_111_800) == 0, "a past date means now")
        #expect(RetryAfter.milliseconds("99999999999999999999", nowSeconds: 0) == 86_400_000, "capped at a day")
        #expect(RetryAfter.milliseconds("-5", nowSeconds: 0) == nil)
        #expect(RetryAfter.milliseconds("soon", nowSeconds: 0) == nil)
        #expect(RetryAfter.milliseconds("Sun, 06 Foo 1994 08:49:37 GMT", nowSeconds: 0) == nil)
        #expect(RetryAfter.milliseconds("Sun, 06 Nov 1994 25:49:37 GMT", nowSeconds: 0) == nil)
    }

    @Test func jsonEscaperProducesValidJSONForAnyText() throws {
        let nasty = "q\"b\\s/\n\r\t\u{08}\u{0C}\u{00}\u{1F}\u{7F} é 🚨 \u{2028}"
        let encoded = JSONText.quoted(nasty)
        #expect(encoded.contains("\\u0000") && encoded.contains("\\u001f") && encoded.contains("\\u2028"))
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(encoded)]".utf8)) as? [String]
        #expect(decoded == [nasty])
        #expect(JSONText.number(.nan) == "null" && JSONText.number(.infinity) == "null" && JSONText.number(1.5) == "1.5")
        #expect(JSONText.object([("a", "1"), ("b\"", JSONText.array(["2", "3"]))]) == #"{"a":1,"b\"":[2,3]}"#)
    }

    @Test func httpStatusPolicy() {
        func outcome(_ status: Int, retryAfter: String? = nil, body: String = "") -> PluginError? {
            do throws(PluginError) {
                try HTTPOutcome.check(HTTPResponse(status: status, body: Array(body.utf8), retryAfter: retryAfter),
                                      service: "X", secrets: ["tok3n"], nowSeconds: 0)
                return nil
            } catch { return error }
        }
        #expect(outcome(200) == nil && outcome(204) == nil)
        for status in [408, 425, 429, 500, 502, 503, 504] {
            guard case .transient? = outcome(status)?.kind else { Issue.record("\(status) should be transient"); continue }
        }
        for status in [301, 400, 401, 403, 404, 410, 413, 422] {
            guard case .permanent? = outcome(status)?.kind else { Issue.record("\(status) should be permanent"); continue }
        }
        guard case let .transient(ms)? = outcome(429, retryAfter: "2")?.kind else { Issue.record("429"); return }
        #expect(ms == 2000)
        let leaky = outcome(401, body: "bad token tok3n\nline two")
        #expect(leaky?.message == "X answered HTTP 401: bad token <redacted> line two")
        let long = outcome(400, body: String(repeating: "x", count: 5000))
        #expect((long?.message.count ?? 0) < 260, "body excerpts are short")
    }

    @Test func redactionKeepsOnlyTheOrigin() {
        #expect(Redact.origin(of: "https://api.telegram.org/bot1:abc/sendMessage") == "https://api.telegram.org")
        #expect(Redact.origin(of: "https://user:pw@hooks.example.org:8443/x?y") == "https://hooks.example.org:8443")
        #expect(Redact.origin(of: "no scheme") == "<url>")
        let parts = Redact.secretParts(ofURL: "https://hooks.slack.com/services/T01/B02/abcdefghijkl")
        #expect(parts.first == "https://hooks.slack.com/services/T01/B02/abcdefghijkl")
        #expect(parts.contains("/services/T01/B02/abcdefghijkl") && parts.contains("abcdefghijkl") && parts.contains("services") == true)
        #expect(Redact.removing(["abc"], from: "xabcyabc") == "x<redacted>y<redacted>")
    }

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
        let wrapped = Base64.encode([UInt8](repeating: 0xFF, count: 100), lineLength: 76)
        #expect(wrapped.components(separatedBy: "\r\n").map(\.count) == [76, 60])
    }

    @Test func mailHeadersAreOneLineAndEncodedWhenNeeded() {
        #expect(MailHeader.text("plain subject") == "plain subject")
        #expect(MailHeader.text("evil\r\nBcc: x@y") == "evil  Bcc: x@y", "no header injection")
        let encoded = MailHeader.text(String(repeating: "é🚨", count: 30))
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        for w in words {
            #expect(w.hasPrefix("=?UTF-8?B?") && w.hasSuffix("?=") && w.count <= 75, "\(w)")
            // Each word decodes on its own: never split inside a character.
            let payload = String(w.dropFirst(10).dropLast(2))
            #expect(Data(base64Encoded: payload).flatMap { String(data: $0, encoding: .utf8) } != nil)
        }
        #expect(MailHeader.mailbox("Nazar <n@x.org>", address: "n@x.org") == "\"Nazar\" <n@x.org>")
        #expect(MailHeader.mailbox("n@x.org", address: "n@x.org") == "n@x.org")
        #expect(MailHeader.mailbox("Zoë <z@x.org>", address: "z@x.org").hasPrefix("=?UTF-8?B?"))
    }

    @Test func dashboardLinksArePercentEncoded() throws {
        var alert = try makeAlert()
        alert.rule = "disk full"
        #expect(DashboardLink.url("https://d/x?r={rule}&h={host}", alert: alert, host: "web 1/a") == "https://d/x?r=disk%20full&h=web%201%2Fa")
    }

    @Test func secretFilesMustHoldOneNonEmptyLine() throws {
        let dir = try TestPaths.makeTemporaryDirectory("secret")
        try writeFile("\(dir)/empty", "\n")
        try writeFile("\(dir)/two", "a\nb\n")
        try writeFile("\(dir)/ok", "  s3cret \n")
        #expect(throws: PluginError.self) { try SecretSource.readFile("\(dir)/empty", key: "k_file") }
        do {
            _ = try SecretSource.readFile("\(dir)/two", key: "k_file")
            Issue.record("two lines accepted")
        } catch {
            #expect(error.message == "config key 'k_file': \(dir)/two holds more than one line; it should hold only the secret")
        }
        #expect(try SecretSource.readFile("\(dir)/ok", key: "k_file") == "s3cret")
    }

    @Test func valuesAndTimesAreFormattedForPeople() {
        #expect(AlertText.value(97.2) == "97.2" && AlertText.value(.nan) == "n/a" && AlertText.value(-.infinity) == "-Inf")
        #expect(AlertText.value(1234567890) == "1.23457e+09")
        #expect(AlertText.timestamp(1_795_000_000_000_000_000) == "2026-11-18 11:06:40 UTC")
        #expect(AlertText.rfc5322(1_795_000_000_000_000_000) == "Wed, 18 Nov 2026 11:06:40 +0000")
    }

    /// A DeliveredAlert built through the C struct, as plugins receive it.
    func makeAlert() throws -> DeliveredAlert {
        TestAlert().withCAlert { DeliveredAlert($0) }
    }
}
