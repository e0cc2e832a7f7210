import Foundation
import Testing

/// `[http] tls_cert_file` / `tls_key_file` against a real nazard and a real client (curl):
/// HTTPS with a certificate from scripts/make-test-certs, plain HTTP refused on that port,
/// and TLS files that cannot be used stopping the start with the file named — exit 78,
/// before any plugin, the store or the listener started.
@Suite(.serialized) struct NazardTLSTests {
    /// Throwaway certificates (CA, server for localhost/127.0.0.1, an unrelated CA and
    /// client key) in a directory of their own, made once for the suite (RSA keys take a
    /// moment); the tests only read them.
    static let certificates = Result { () throws -> String in
        let dir = try TestPaths.makeTemporaryDirectory("tls-certs")
        let result = try runToolSeparately("\(TestPaths.repository)/scripts/make-test-certs", [dir])
        guard result.code == 0 else { throw TestFailure("make-test-certs failed: \(result.output)") }
        return dir
    }

    static func makeCertificates() throws -> String { try certificates.get() }

    /// A config directory with one collector (so a half-started daemon would show), SQLite
    /// storage in its state directory and the API on `port` with `tls`.
    static func makeDaemonDirectory(port: Int, tls: (cert: String, key: String)) throws -> (dir: String, config: String) {
        let dir = try TestPaths.makeTemporaryDirectory("tls")
        let config = try writeConfig(in: dir, selfMetrics: "0s", plugins: [
            "collector-system": "plugin = \"collector-system\"\ninterval = \"1s\"\n",
        ])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        handle.seekToEndOfFile()
        handle.write(Data("""

            [http]
            listen = "127.0.0.1:\(port)"
            auth = "required"
            tls_cert_file = "\(tls.cert)"
            tls_key_file = "\(tls.key)"

            """.utf8))
        try handle.close()
        mkdir("\(dir)/state", 0o750)
        return (dir, config)
    }

    /// nazard with info-level logfmt into `dir`/stderr; as `user` (a uid) through setpriv when given.
    static func launch(config: String, dir: String, asUser user: Int? = nil) throws -> Process {
        let p = Process()
        let nazard = "\(TestPaths.buildProducts)/nazard"
        let arguments = ["--config", config, "--plugin-dir", TestPaths.buildProducts, "--state-dir", "\(dir)/state",
                         "--runtime-dir", "\(dir)/run", "--log-target", "stderr", "--log-level", "info"]
        if let user {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--", nazard] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: nazard)
            p.arguments = arguments
        }
        guard FileManager.default.createFile(atPath: "\(dir)/stderr", contents: nil),
              let log = FileHandle(forWritingAtPath: "\(dir)/stderr") else { throw TestFailure("cannot create \(dir)/stderr") }
        p.standardError = log
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// curl's exit status, the HTTP status (0 when there was no HTTP answer) and the body.
    static func curl(_ arguments: [String]) throws -> (exit: Int32, status: Int, body: String) {
        let r = try runToolSeparately("/usr/bin/curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}"] + arguments)
        var lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (r.code, status, lines.joined(separator: "\n") + (r.code == 0 ? "" : r.stderr))
    }

    @Test func httpsServesTheAPIAndPlainHTTPIsRefused() async throws {
        let certs = try Self.makeCertificates()
        let port = try freeLoopbackPort()
        let (dir, config) = try Self.makeDaemonDirectory(port: port, tls: ("\(certs)/server.pem", "\(certs)/server.key"))
        let added = try runNazarctl(["keys", "add", "--keys-file", "\(dir)/state/api-keys", "--name", "tls-agent",
                                     "--scope", "ingest", "--scope", "read"])
        let key = try #require(added.output.split(separator: "\n").first { $0.hasPrefix("nzr_") }.map(String.init),
                               "\(added.output)")
        let daemon = try Self.launch(config: config, dir: dir)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        let https = "https://127.0.0.1:\(port)"
        let trusted = ["--cacert", "\(certs)/ca.pem"]

        var health = (exit: Int32(-1), status: 0, body: "")
        for _ in 0..<100 {
            health = try Self.curl(trusted + ["\(https)/healthz"])
            if health.status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = { (try? String(contentsOfFile: "\(dir)/stderr", encoding: .utf8)) ?? "" }
        #expect(health.status == 200, "HTTPS /healthz: \(health); log: \(log())")
        // The certificate names localhost too; a client that does not trust our CA, or
        // trusts another one, refuses the handshake (curl 60: peer certificate not trusted).
        #expect(try Self.curl(trusted + ["https://localhost:\(port)/healthz"]).status == 200)
        #expect(try Self.curl(["\(https)/healthz"]).exit == 60)
        #expect(try Self.curl(["--cacert", "\(certs)/other-ca.pem", "\(https)/healthz"]).exit == 60)

        // The API itself over TLS: a key, ingest, and the point read back.
        let auth = ["-H", "Authorization: Bearer \(key)"]
        let ingest = try Self.curl(trusted + auth + ["-H", "Content-Type: application/json", "--data",
                                                     #"{"points":[{"metric":"tls.probe","value":42,"timestamp":1700000000000000000}]}"#,
                                                     "\(https)/api/v1/ingest"])
        #expect(ingest.status == 202, "\(ingest)")
        var stored = ""
        for _ in 0..<100 {
            stored = try Self.curl(trusted + auth + ["\(https)/api/v1/query?match=%7B__name__%3D%22tls.probe%22%7D&from=1700000000&to=1700000001&step=1s&tier=raw"]).body
            if stored.contains("[1700000000000000000,42") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(stored.contains("[1700000000000000000,42"), "\(stored)")
        #expect(try Self.curl(trusted + ["\(https)/api/v1/series"]).status == 401, "auth applies over TLS too")

        // Plain HTTP on the TLS port gets no HTTP answer at all (the handshake fails and
        // the connection closes: curl 52 empty reply or 56 receive failure), and the
        // daemon serves the next TLS client as before.
        let plain = try Self.curl(["http://127.0.0.1:\(port)/healthz"])
        #expect(plain.exit != 0 && plain.status == 0, "plain HTTP on the TLS port: \(plain)")
        #expect(throws: (any Error).self) {
            let raw = try LoopbackHTTP.request(port: port, "/healthz")
            if raw.status == 0 || raw.status >= 400 { throw TestFailure("no HTTP answer") }
        }
        #expect(try Self.curl(trusted + ["\(https)/healthz"]).status == 200)

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        // What the failure cases below must not show: this start did run all of it.
        let text = log()
        for event in ["storage_started", "instance_started", "http_listening"] {
            #expect(text.contains("nazar_event=\(event)"), "\(event) missing: \(text)")
        }
        #expect(text.contains("(TLS)"))
    }

    /// A TLS file problem, and what the message must say about it.
    struct BadFiles: Sendable, CustomTestStringConvertible {
        var name: String
        /// Given the certificates directory and a scratch directory: the cert and key paths.
        var files: @Sendable (String, String) throws -> (cert: String, key: String)
        /// Fragments of the error line; `$CERT` and `$KEY` stand for the paths.
        var expected: [String]
        var asOtherUser = false
        var testDescription: String { name }
    }

    static let badFiles: [BadFiles] = [
        BadFiles(name: "missing key", files: { c, s in ("\(c)/server.pem", "\(s)/no-such.key") },
                 expected: ["[http] tls_key_file $KEY: cannot open: No such file or directory"]),
        BadFiles(name: "missing certificate", files: { c, s in ("\(s)/no-such.pem", "\(c)/server.key") },
                 expected: ["[http] tls_cert_file $CERT: cannot open: No such file or directory"]),
        BadFiles(name: "key is a directory", files: { c, s in ("\(c)/server.pem", s) },
                 expected: ["[http] tls_key_file $KEY: not a regular file"]),
        // Root reads any file, so the daemon runs as nobody (uid 65534) for this one.
        BadFiles(name: "unreadable key", files: { c, s in
            let key = "\(s)/root-only.key"
            try FileManager.default.copyItem(atPath: "\(c)/server.key", toPath: key)
            chmod(key, getuid() == 0 ? 0o600 : 0)
            return ("\(c)/server.pem", key)
        }, expected: ["[http] tls_key_file $KEY: cannot open: Permission denied"], asOtherUser: true),
        BadFiles(name: "empty key", files: { c, s in
            _ = FileManager.default.createFile(atPath: "\(s)/empty.key", contents: nil)
            return ("\(c)/server.pem", "\(s)/empty.key")
        }, expected: ["[http] tls_key_file $KEY: the file is empty"]),
        BadFiles(name: "key file holds a certificate", files: { c, _ in ("\(c)/server.pem", "\(c)/ca.pem") },
                 expected: ["[http] tls_key_file $KEY: not a PEM private key"]),
        BadFiles(name: "certificate file holds a key", files: { c, _ in ("\(c)/server.key", "\(c)/server.key") },
                 expected: ["[http] tls_cert_file $CERT: no PEM certificate in it"]),
        BadFiles(name: "key of another certificate", files: { c, _ in ("\(c)/server.pem", "\(c)/other-client.key") },
                 expected: ["[http] tls_key_file $KEY is not the private key of the certificate in tls_cert_file $CERT"]),
        BadFiles(name: "encrypted key", files: { c, s in
            let key = "\(s)/encrypted.key"
            let r = try runToolSeparately("/usr/bin/openssl", ["pkey", "-in", "\(c)/server.key", "-aes256", "-passout", "pass:secret", "-out", key])
            guard r.code == 0 else { throw TestFailure("openssl pkey: \(r.stderr)") }
            chmod(key, 0o644)
            return ("\(c)/server.pem", key)
        }, expected: ["[http] tls_key_file $KEY: the key is encrypted"]),
    ]

    @Test(arguments: badFiles)
    func aTLSFileThatCannotBeUsedStopsTheStartNamingIt(_ bad: BadFiles) async throws {
        let certs = try Self.makeCertificates()
        let scratch = try TestPaths.makeTemporaryDirectory("tls-bad")
        let (cert, key) = try bad.files(certs, scratch)
        let port = try freeLoopbackPort()
        let (dir, config) = try Self.makeDaemonDirectory(port: port, tls: (cert, key))
        let user: Int? = bad.asOtherUser && getuid() == 0 ? 65534 : nil
        if user != nil {
            // nobody must reach the config, the certificate and the state directory.
            for d in [dir, certs, scratch, "\(dir)/plugins.d"] { chmod(d, 0o755) }
            chmod("\(dir)/state", 0o777)
        }
        let daemon = try Self.launch(config: config, dir: dir, asUser: user)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        let deadline = ContinuousClock.now + .seconds(20)
        while daemon.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let log = (try? String(contentsOfFile: "\(dir)/stderr", encoding: .utf8)) ?? ""
        #expect(!daemon.isRunning, "nazard kept running with \(bad.name): \(log)")
        guard !daemon.isRunning else { return }
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 78, "exit \(daemon.terminationStatus): \(log)")
        for fragment in bad.expected {
            let text = fragment.replacingOccurrences(of: "$CERT", with: cert).replacingOccurrences(of: "$KEY", with: key)
            #expect(log.contains(text), "expected '\(text)' in: \(log)")
        }
        #expect(log.contains("nazar_event=start_failed"))
        // Nothing half-started: no plugin instance, no store, no listener.
        for event in ["storage_started", "instance_started", "http_listening"] {
            #expect(!log.contains("nazar_event=\(event)"), "\(event) in: \(log)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/state/nazar.db"))
        #expect(throws: (any Error).self) { _ = try LoopbackHTTP(port: port) }
    }
}

/// Runs a program with little output (curl, openssl, make-test-certs); its exit status,
/// stdout and stderr apart (TestSupport's runTool merges them), and both together.
func runToolSeparately(_ path: String, _ arguments: [String]) throws -> (code: Int32, stdout: String, stderr: String, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // stdout to its end, then stderr: fine while stderr stays under a pipe's 64 KiB.
    let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, o, e, o + e)
}
