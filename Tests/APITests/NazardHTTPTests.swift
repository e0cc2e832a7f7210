import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IngestFormat
import Testing

/// The HTTP API of a real nazard process on loopback, keys made with the real nazarctl:
/// what an agent and an admin see.
@Suite(.serialized) struct NazardHTTPTests {
    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(TestPaths.buildProducts)/\(tool)")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("\(tool) \(args) exited \(p.terminationStatus)") }
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// nazard with `dir`/nazar.toml, logging logfmt to `dir`/stderr.
    static func startNazard(_ dir: String) throws -> Process {
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "\(TestPaths.buildProducts)/nazard")
        daemon.arguments = ["--config", "\(dir)/nazar.toml", "--log-target", "stderr", "--runtime-dir", "\(dir)/run"]
        _ = FileManager.default.createFile(atPath: "\(dir)/stderr", contents: nil)
        daemon.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/stderr"))
        try daemon.run()
        return daemon
    }

    static func request(_ url: String, method: String = "GET", key: String? = nil, headers: [String: String] = [:],
                        body: Data? = nil) async throws -> (Int, Data, [AnyHashable: Any]) {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        if let key { r.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        r.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        return (http.statusCode, data, http.allHeaderFields)
    }

    @Test func ingestQueryRevokeAndMetricsAgainstARealDaemon() async throws {
        let dir = try TestPaths.makeTemporaryDirectory("nazard-http")
        let port = try freeLoopbackPort()
        mkdir("\(dir)/plugins.d", 0o755)
        try """
            [daemon]
            hostname = "central"
            state_directory = "\(dir)/state"
            [self_metrics]
            interval = "0s"
            [http]
            listen = "127.0.0.1:\(port)"
            auth = "required"
            """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        mkdir("\(dir)/state", 0o750)
        let agent = try Self.run("nazarctl", ["keys", "add", "--config", "\(dir)/nazar.toml", "--name", "web1-agent", "--scope", "ingest", "--host", "web1"])
        let reader = try Self.run("nazarctl", ["keys", "add", "--config", "\(dir)/nazar.toml", "--name", "dash", "--scope", "read"])
        #expect(agent.hasPrefix("nzr_") && reader.hasPrefix("nzr_"))
        let listing = try Self.run("nazarctl", ["keys", "list", "--config", "\(dir)/nazar.toml"])
        #expect(listing.contains("web1-agent") && !listing.contains(agent))

        let daemon = try Self.startNazard(dir)
        defer {
            if daemon.isRunning { kill(daemon.processIdentifier, SIGTERM); daemon.waitUntilExit() }
        }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<100 {
            if let (status, _, _) = try? await Self.request("\(base)/healthz"), status == 200 { up = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(up, "nazard did not answer /healthz")

        // JSON, gzip, and a point for another host.
        let json = Data(#"{"points":[{"metric":"cpu.total","value":12.5,"timestamp":1700000000000000000},{"metric":"cpu.total","labels":{"host":"web2"},"value":1}]}"#.utf8)
        let gz = try Data(Array(json).withUnsafeBytes { try GzipCodec.compress($0) })
        let (s1, b1, _) = try await Self.request("\(base)/api/v1/ingest", method: "POST", key: agent,
                                                 headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"], body: gz)
        #expect(s1 == 400)
        let r1 = try JSONSerialization.jsonObject(with: b1) as? [String: Any]
        #expect(r1?["accepted"] as? Int == 1)
        #expect(((r1?["refused"] as? [[String: Any]])?.first?["reason"] as? String) == "host 'web2' is not this key's host 'web1'")
        // Line protocol through the InfluxDB v2 endpoint.
        let (s2, _, _) = try await Self.request("\(base)/api/v2/write?bucket=b&org=o&precision=s", method: "POST",
                                                headers: ["Authorization": "Token \(agent)"], body: Data("mem,host=web1 used=42i 1700000000".utf8))
        #expect(s2 == 204)

        // Read back through the read API (the storage writer is asynchronous).
        var points: [[Double]] = []
        for _ in 0..<100 {
            let (s, body, _) = try await Self.request("\(base)/api/v1/query?match=%7B__name__%3D%22cpu.total%22%7D&from=1700000000&to=1700000001&step=1s&tier=raw", key: reader)
            #expect(s == 200)
            let obj = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            points = ((obj?["series"] as? [[String: Any]])?.first?["points"] as? [[Double]]) ?? []
            if !points.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(points == [[1.7e18, 12.5]])
        let (_, latestBody, _) = try await Self.request("\(base)/api/v1/latest?host=web1", key: reader)
        #expect(String(decoding: latestBody, as: UTF8.self).contains("\"metric\":\"mem.used\""))

        // Auth: no key at all with auth = "required"; a reader cannot ingest.
        let noKey = try await Self.request("\(base)/api/v1/hosts")
        #expect(noKey.0 == 401)
        let readerIngest = try await Self.request("\(base)/api/v1/ingest", method: "POST", key: reader, body: Data("m v=1".utf8))
        #expect(readerIngest.0 == 403)

        // Revoke with nazarctl: refused within about a second, no restart.
        let id = try #require(listing.split(separator: "\n").first { $0.contains("web1-agent") }?.split(separator: " ").first)
        _ = try Self.run("nazarctl", ["keys", "revoke", "--config", "\(dir)/nazar.toml", String(id)])
        var revoked = false
        for _ in 0..<30 {
            let (s, _, _) = try await Self.request("\(base)/api/v1/ingest", method: "POST", key: agent,
                                                   headers: ["Content-Type": "text/plain"], body: Data("m v=1".utf8))
            if s == 401 { revoked = true; break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(revoked)

        // /metrics counts what happened; the log names key ids, never keys.
        let (ms, metricsBody, _) = try await Self.request("\(base)/metrics", key: reader)
        #expect(ms == 200)
        let metrics = String(decoding: metricsBody, as: UTF8.self)
        let samples = try MetricsTests.validate(metrics)
        // 2 above, plus the revoke loop's points sent before the change was noticed.
        #expect((samples["nazar_ingest_points_accepted_total"]?.first?.value ?? 0) >= 2)
        #expect(samples["nazar_ingest_points_refused_total"]?.first?.value == 1)
        #expect((samples["nazar_http_auth_refused_total"]?.first?.value ?? 0) >= 3)
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let log = (try? String(contentsOfFile: "\(dir)/stderr", encoding: .utf8)) ?? ""
        #expect(log.contains("key_id=k"))
        #expect(!log.contains(agent) && !log.contains(reader))
    }

    @Test func aBusyPortIsLoggedAndTheDaemonRunsOn() async throws {
        let dir = try TestPaths.makeTemporaryDirectory("nazard-busy")
        // Hold a listening socket on the port nazard is told to use.
        let busy = try LoopbackSocket(listenBacklog: 1)
        defer { withExtendedLifetime(busy) {} }
        let port = busy.port
        mkdir("\(dir)/plugins.d", 0o755)
        try """
            [daemon]
            state_directory = "\(dir)/state"
            [http]
            listen = "127.0.0.1:\(port)"
            """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        let daemon = try Self.startNazard(dir)
        var log = ""
        for _ in 0..<100 where !log.contains("nazar_event=http_failed") {
            try await Task.sleep(for: .milliseconds(100))
            log = (try? String(contentsOfFile: "\(dir)/stderr", encoding: .utf8)) ?? ""
        }
        #expect(log.contains("nazar_event=http_failed"))
        #expect(log.contains("127.0.0.1:\(port)"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(daemon.isRunning, "nazard must keep running without its API")
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }
}
