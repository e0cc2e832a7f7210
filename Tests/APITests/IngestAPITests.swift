import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import IngestFormat
import Testing
@testable import API

@Suite struct IngestAPITests {
    @Test func jsonBatchIsAcceptedAndReadBackThroughTheQueryAPI() async throws {
        let h = try APITestHarness()
        let ingest = try h.addKey("agent", [.ingest])
        let reader = try h.addKey("reader", [.read])
        try await h.app().test(.router) { client in
            let body = #"{"points":[{"metric":"cpu.total","labels":{"host":"web1","core":"0"},"value":12.5,"timestamp":1700000000000000000},"#
                + #"{"metric":"cpu.total","labels":{"host":"web1","core":"0"},"value":13.25,"timestamp":1700000010000000000}]}"#
            let r = try await client.post("/api/v1/ingest", key: ingest, body: body)
            #expect(r.status == .accepted)
            #expect(r.text == #"{"accepted":2}"#)
            _ = try await h.waitForStored("cpu.total", count: 2)

            let series = try await client.get("/api/v1/series?match=%7B__name__%3D%22cpu.total%22%7D", key: reader)
            #expect(series.status == .ok)
            let list = try #require(series.json["series"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect((list.first?["labels"] as? [String: String]) == ["host": "web1", "core": "0"])
            let id = try #require(list.first?["id"] as? Int)

            let q = try await client.get("/api/v1/query?series=\(id)&from=1700000000&to=1700000020&step=10s&agg=max&tier=raw", key: reader)
            #expect(q.status == .ok)
            let points = try #require((q.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]])
            #expect(points == [[1.7e18, 12.5], [1.70000001e18, 13.25]])
        }
    }

    @Test func lineProtocolFieldsBecomeMeasurementDotFieldWithTagsAsLabels() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("telegraf", [.ingest])
        try await h.app().test(.router) { client in
            let body = "cpu,host=web1,cpu=cpu0 usage_user=1.5,usage_system=2i 1700000000\n"
            let r = try await client.post("/api/v1/ingest?precision=s", key: key, contentType: "text/plain", body: body)
            #expect(r.status == .accepted)
            #expect(r.text == #"{"accepted":2}"#)
            let user = try await h.waitForStored("cpu.usage_user", count: 1)
            #expect(user.first { $0.series.metric == "cpu.usage_user" }?.timestamp == 1_700_000_000_000_000_000)
            let system = try await h.waitForStored("cpu.usage_system", count: 1)
            #expect(system.first { $0.series.metric == "cpu.usage_system" }?.value == 2)
            #expect(system.first?.series.labels.contains(StoredSeries.Label("cpu", "cpu0")) == true)
        }
    }

    @Test func partialBatchAcceptsTheGoodPointsAndListsTheBadOnes() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("agent", [.ingest])
        try await h.app().test(.router) { client in
            let body = """
                {"points":[
                  {"metric":"m.ok","value":1,"timestamp":1700000000000000000},
                  {"metric":"m.ok","value":"NaN","timestamp":1700000001000000000},
                  {"metric":"bad name!","value":2},
                  {"metric":"m.ok","value":3,"timestamp":1700000002000000000}
                ]}
                """
            let r = try await client.post("/api/v1/ingest", key: key, body: body)
            #expect(r.status == .badRequest)
            #expect(r.json["accepted"] as? Int == 2)
            let refused = try #require(r.json["refused"] as? [[String: Any]])
            #expect(refused.map { $0["index"] as? Int } == [1, 2])
            #expect(refused.map { $0["line"] as? Int } == [3, 4])
            #expect((refused[0]["reason"] as? String)?.contains("NaN and Inf are refused") == true)
            #expect((refused[1]["reason"] as? String)?.contains("invalid metric name 'bad name!'") == true)
            _ = try await h.waitForStored("m.ok", count: 2)
        }
    }

    @Test func syntaxErrorKeepsThePointsBeforeIt() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("agent", [.ingest])
        try await h.app().test(.router) { client in
            let r = try await client.post("/api/v1/ingest", key: key,
                                          body: "{\"points\":[{\"metric\":\"m.a\",\"value\":1},\n{\"metric\":\"m.a\",\"value\":}]}")
            #expect(r.status == .badRequest)
            #expect(r.json["line"] as? Int == 2)
            #expect(r.json["accepted"] as? Int == 1)
            #expect((r.json["error"] as? String) == "expected a value")
            _ = try await h.waitForStored("m.a", count: 1)
        }
    }

    @Test func gzipBodiesAreDecoded() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("agent", [.ingest])
        try await h.app().test(.router) { client in
            let plain = Array(#"{"points":[{"metric":"gz.m","value":42,"timestamp":1700000000000000000}]}"#.utf8)
            let gz = try plain.withUnsafeBytes { try GzipCodec.compress($0) }
            let r = try await client.post("/api/v1/ingest", key: key, contentType: "application/json", bytes: gz,
                                          extra: [.contentEncoding: "gzip"])
            #expect(r.status == .accepted)
            let stored = try await h.waitForStored("gz.m", count: 1)
            #expect(stored.first?.value == 42)

            let corrupt = try await client.post("/api/v1/ingest", key: key, contentType: "application/json",
                                                bytes: Array(gz.prefix(10)), extra: [.contentEncoding: "gzip"])
            #expect(corrupt.status == .badRequest)
            #expect(corrupt.text.contains("gzip"))
            let br = try await client.post("/api/v1/ingest", key: key, contentType: "application/json", bytes: plain,
                                           extra: [.contentEncoding: "br"])
            #expect(br.status == .unsupportedMediaType)
        }
    }

    @Test func bodiesOverTheLimitGet413EvenWhenCompressed() async throws {
        let h = try APITestHarness(http: "max_body_bytes = 2048")
        let key = try h.addKey("agent", [.ingest])
        try await h.app().test(.router) { client in
            let big = String(repeating: "m v=1 1\n", count: 400)
            let r = try await client.post("/api/v1/ingest", key: key, contentType: "text/plain", body: big)
            #expect(r.status == .contentTooLarge)
            #expect(r.text.contains("max_body_bytes"))
            // 3.2 kB of line protocol compresses to well under 2 kB: the decoded size counts.
            let gz = try Array(big.utf8).withUnsafeBytes { try GzipCodec.compress($0) }
            #expect(gz.count < 2048)
            let z = try await client.post("/api/v1/ingest", key: key, contentType: "text/plain", bytes: gz,
                                          extra: [.contentEncoding: "gzip"])
            #expect(z.status == .contentTooLarge)
        }
    }

    @Test func authErrors401And403() async throws {
        let h = try APITestHarness()
        let reader = try h.addKey("reader", [.read])
        try await h.app().test(.router) { client in
            let none = try await client.post("/api/v1/ingest", key: nil, body: #"{"points":[]}"#)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] != nil)
            let unknown = try await client.post("/api/v1/ingest", key: "nzr_notakey", body: #"{"points":[]}"#)
            #expect(unknown.status == .unauthorized)
            #expect(unknown.json["error"] as? String == "unknown API key")
            let wrongScope = try await client.post("/api/v1/ingest", key: reader, body: #"{"points":[]}"#)
            #expect(wrongScope.status == .forbidden)
            #expect((wrongScope.json["error"] as? String)?.contains("lacks the 'ingest' scope") == true)
        }
    }

    @Test func aKeyRestrictedToWeb1CannotWriteWeb2AndDefaultsItsHost() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("web1-agent", [.ingest], host: "web1")
        try await h.app().test(.router) { client in
            let r = try await client.post("/api/v1/ingest", key: key, body: """
                {"points":[{"metric":"h.m","labels":{"host":"web2"},"value":1},{"metric":"h.m","value":2},{"metric":"h.m","labels":{"host":"web1","x":"1"},"value":3}]}
                """)
            #expect(r.status == .badRequest)
            #expect(r.json["accepted"] as? Int == 2)
            let refused = try #require(r.json["refused"] as? [[String: Any]])
            #expect(refused.count == 1)
            #expect(refused.first?["reason"] as? String == "host 'web2' is not this key's host 'web1'")
            let storage = try #require(h.daemon.storageWriter?.storage)
            _ = try await h.waitForStored("h.m", count: 2)
            let hosts = Set(try storage.series(matching: [LabelMatcher("__name__", .equal, "h.m")]).compactMap { $0.label("host") })
            #expect(hosts == ["web1"])
        }
    }

    @Test func rateLimitAnswers429WithRetryAfterAndPublishesNothing() async throws {
        let h = try APITestHarness(http: "rate_burst = 5")
        let key = try h.addKey("slow", [.ingest], rate: 1)
        try await h.app().test(.router) { client in
            let five = (0..<5).map { "rl v=\($0) \(1_700_000_000 + $0)" }.joined(separator: "\n")
            let first = try await client.post("/api/v1/ingest?precision=s", key: key, contentType: "text/plain", body: five)
            #expect(first.status == .accepted)
            // Five more need five seconds of refill at 1 point/s: refused whole, whatever the
            // machine's load made the gap between the two requests.
            let again = (0..<5).map { "rl v=\($0) \(1_700_000_100 + $0)" }.joined(separator: "\n")
            let second = try await client.post("/api/v1/ingest?precision=s", key: key, contentType: "text/plain", body: again)
            #expect(second.status == .tooManyRequests)
            let retryAfter = try #require(second.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...5).contains(retryAfter))
            #expect((second.json["error"] as? String)?.contains("over its rate limit") == true)
            _ = try await h.waitForStored("rl.v", count: 5)
        }
    }

    @Test func revokedKeyIsRefusedAfterTheFileChanges() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("temp", [.ingest])
        try await h.app().test(.router) { client in
            let ok = try await client.post("/api/v1/ingest", key: key, body: #"{"points":[]}"#)
            #expect(ok.status == .accepted)
            try APIKeyFile.write(path: h.keysPath, keys: [])
            // The ring re-checks the file's stamp at most once a second.
            try await Task.sleep(for: .milliseconds(1_100))
            let refused = try await client.post("/api/v1/ingest", key: key, body: #"{"points":[]}"#)
            #expect(refused.status == .unauthorized)
        }
    }

    @Test func influxEndpointsAnswerLikeInfluxDB() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("telegraf", [.ingest])
        try await h.app().test(.router) { client in
            var headers: HTTPFields = [.authorization: "Token \(key)"]
            let v2 = try await client.execute(uri: "/api/v2/write?org=o&bucket=b&precision=ms", method: .post, headers: headers,
                                              body: ByteBuffer(string: "disk,host=web1,path=/ used_percent=42.5 1700000000000"))
            #expect(v2.status == .noContent)
            let basic = Data("telegraf:\(key)".utf8).base64EncodedString()
            headers = [.authorization: "Basic \(basic)"]
            let v1 = try await client.execute(uri: "/write?db=telegraf", method: .post, headers: headers,
                                              body: ByteBuffer(string: "mem,host=web1 used=1i\nmem,host=web1 name=\"x\""))
            #expect(v1.status == .badRequest)
            #expect((v1.json["error"] as? String)?.hasPrefix("partial write:") == true)
            let create = try await client.execute(uri: "/query?q=CREATE%20DATABASE%20%22telegraf%22", method: .post, headers: headers)
            #expect(create.status == .ok)
            let ping = try await client.execute(uri: "/ping", method: .get)
            #expect(ping.status == .noContent)
            let stored = try await h.waitForStored("disk.used_percent", count: 1)
            #expect(stored.first { $0.series.metric == "disk.used_percent" }?.timestamp == 1_700_000_000_000_000_000)
            #expect(stored.first { $0.series.metric == "disk.used_percent" }?.series.label("path") == "/")
        }
    }

    /// A body as Telegraf's influxdb output sends it (the line protocol of Telegraf's
    /// documentation: cpu, disk, mem, system inputs; escaped tag values; i and u integers;
    /// a string field). Debian has no telegraf package, so the capture is replayed.
    @Test func telegrafCaptureIsAccepted() async throws {
        let h = try APITestHarness()
        let key = try h.addKey("telegraf", [.ingest])
        let capture = try String(contentsOfFile: "\(fixtures)/telegraf-influxdb-output.lp", encoding: .utf8)
        try await h.app().test(.router) { client in
            let r = try await client.execute(uri: "/write?db=telegraf&precision=ns", method: .post,
                                             headers: [.authorization: "Token \(key)", .contentType: "text/plain; charset=utf-8"],
                                             body: ByteBuffer(string: capture))
            // system.uptime_format is a string field: refused alone, the rest accepted.
            #expect(r.status == .badRequest)
            let refused = try #require(r.json["refused"] as? [[String: Any]])
            #expect(refused.count == 1)
            #expect((refused.first?["reason"] as? String)?.contains("uptime_format") == true)
            #expect(r.json["accepted"] as? Int == 35)
            let disk = try await h.waitForStored("disk.used_percent", count: 2)
            let paths = Set(disk.filter { $0.series.metric == "disk.used_percent" }.compactMap { $0.series.label("path") })
            #expect(paths == ["/", "/mnt/my disk"])
        }
    }
}

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// What ingest answers when the bus cannot take a batch: a client must never be told 202
/// for points that were dropped.
@Suite struct IngestBackPressureTests {
    static func batch(_ n: Int, from t0: Int64) -> String {
        let points = (0..<n).map { #"{"metric":"bp.v","value":\#($0),"timestamp":\#(t0 + Int64($0))}"# }
        return #"{"points":["# + points.joined(separator: ",") + "]}"
    }

    @Test func aFullSubscriberQueueAnswers503WithRetryAfterAndTheResentBatchIsStoredOnce() async throws {
        let h = try APITestHarness(sections: """
            [bus]
            queue_capacity = 1024
            batch_size = 1024
            block_timeout = "500ms"
            """)
        let key = try h.addKey("agent", [.ingest])
        // A subscriber that takes nothing until told: its queue holds 1,024 points.
        let stuck = h.daemon.bus.subscribePoints(name: "stuck", patterns: [try BindingPattern("#")])
        let body = Self.batch(1_500, from: 1_700_000_000_000_000_000)
        try await h.app().test(.router) { client in
            let refused = try await client.post("/api/v1/ingest", key: key, body: body)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect((refused.json["error"] as? String)?.contains("send the batch again") == true)

            // The subscriber catches up; the client sends the same batch again.
            h.daemon.bus.unsubscribe(name: "stuck")
            #expect(stuck.counters.depth == 1_024)
            let accepted = try await client.post("/api/v1/ingest", key: key, body: body)
            #expect(accepted.status == .accepted)
            #expect(accepted.text == #"{"accepted":1500}"#)
            // The copies that reached the store the first time are not stored twice.
            _ = try await h.waitForStored("bp.v", count: 1_500)
        }
    }
}
