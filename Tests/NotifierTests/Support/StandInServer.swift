import Foundation

/// A Python stand-in server from Servers/, started on a free 127.0.0.1 port and killed
/// when this object goes away.
final class StandInServer {
    let process = Process()
    let port: Int

    init(script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: TestPaths.python)
        process.arguments = ["-u", "\(TestPaths.servers)/\(script)"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // The first line is "PORT <n>"; read byte by byte so nothing after it is consumed.
        var line: [UInt8] = []
        let handle = out.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(contentsOf: byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("\(script) did not start: \(text) \(stderr)")
        }
        self.port = port
    }

    deinit {
        // SIGKILL, not terminate(): the test runner blocks SIGTERM and spawned children
        // inherit that mask, so a SIGTERM would never arrive.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The Slack/Telegram stand-in: scripted responses, recorded requests.
final class HTTPStandIn {
    struct Request {
        var path: String
        var headers: [String: String]
        var body: String
        var time: Double
        /// The body parsed as JSON (the notifiers always send JSON).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    let server: StandInServer
    let recordFile: String
    var baseURL: String { "http://127.0.0.1:\(server.port)" }

    /// `responses` are answered in order (JSON objects, see http_standin.py), then 200 "ok"
    /// or `fallback`.
    init(dir: String, responses: [String] = [], fallback: String? = nil) throws {
        recordFile = "\(dir)/requests-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        var args = ["--record", recordFile, "--script", "[" + responses.joined(separator: ",") + "]"]
        if let fallback { args += ["--default", fallback] }
        server = try StandInServer(script: "http_standin.py", arguments: args)
    }

    func requests() -> [Request] {
        guard let text = try? String(contentsOfFile: recordFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return Request(path: o["path"] as? String ?? "", headers: o["headers"] as? [String: String] ?? [:],
                           body: o["body"] as? String ?? "", time: o["time"] as? Double ?? 0)
        }
    }
}

/// The SMTP stand-in (aiosmtpd): received mails as raw text plus envelope facts.
final class SMTPStandIn {
    struct Mail {
        var raw: String
        var mailFrom: String
        var recipients: [String]
        var tls: Bool
        var login: String?
    }

    let server: StandInServer
    let recordDir: String
    var port: Int { server.port }

    init(dir: String, tls: String = "none", cert: (String, String)? = nil, auth: String? = nil,
         failRecipients: Bool = false, failDataTemporarily: Bool = false) throws {
        recordDir = "\(dir)/mail-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(recordDir, 0o700)
        var args = ["--record-dir", recordDir, "--tls", tls]
        if let cert { args += ["--cert", cert.0, "--key", cert.1] }
        if let auth { args += ["--auth", auth] }
        if failRecipients { args.append("--fail-rcpt") }
        if failDataTemporarily { args.append("--fail-data-temp") }
        server = try StandInServer(script: "smtp_standin.py", arguments: args)
    }

    func mails() -> [Mail] {
        var out: [Mail] = []
        var n = 1
        while let raw = try? String(contentsOfFile: "\(recordDir)/\(n).eml", encoding: .utf8) {
            let meta = (try? Data(contentsOf: URL(fileURLWithPath: "\(recordDir)/\(n).json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            out.append(Mail(raw: raw, mailFrom: meta["mail_from"] as? String ?? "",
                            recipients: meta["rcpt_tos"] as? [String] ?? [], tls: meta["tls"] as? Bool ?? false,
                            login: meta["login"] as? String))
            n += 1
        }
        return out
    }
}

/// A self-signed certificate for 127.0.0.1 made with openssl, valid for a day.
func makeCertificate(in dir: String) throws -> (cert: String, key: String) {
    let cert = "\(dir)/cert.pem", key = "\(dir)/key.pem"
    let (status, output) = try runTool("/usr/bin/openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ])
    guard status == 0 else { throw TestFailure("openssl failed: \(output)") }
    return (cert, key)
}
