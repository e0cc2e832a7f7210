import Foundation
@testable import Host
import Hummingbird
import HummingbirdTesting
import Testing
@testable import API

@Suite struct ReadAPITests {
    /// Stores points for two hosts and returns the harness with ingest/read/admin keys.
    private func seeded() async throws -> (APITestHarness, ingest: String, read: String, admin: String) {
        let h = try APITestHarness()
        let ingest = try h.addKey("agent", [.ingest])
        let read = try h.addKey("reader", [.read])
        let admin = try h.addKey("admin", [.admin])
        let lines = (0..<6).map { "load,host=web1 v=\($0) \(1_700_000_000 + 10 * $0)" }
            + ["load,host=web2 v=7 1700000000", "mem,host=web2 used=1i 1700000050"]
        try await h.app().test(.router) { client in
            let r = try await client.post("/api/v1/ingest?precision=s", key: ingest, contentType: "text/plain", body: lines.joined(separator: "\n"))
            #expect(r.status == .accepted)
        }
        _ = try await h.waitForStored("load.v", count: 7)
        _ = try await h.waitForStored("mem.used", count: 1)
        return (h, ingest, read, admin)
    }

    @Test func seriesQueryLatestAndHosts() async throws {
        let (h, _, read, _) = try await seeded()
        try await h.app().test(.router) { client in
            let series = try await client.get("/api/v1/series?match=%7Bhost%3D%22web2%22%7D", key: read)
            let names = (series.json["series"] as? [[String: Any]])?.compactMap { $0["metric"] as? String }.sorted()
            #expect(names == ["load.v", "mem.used"])

            let q = try await client.get("/api/v1/query?match=%7B__name__%3D%22load.v%22,host%3D%22web1%22%7D&from=2023-11-14T22:13:20Z&to=1700000060&step=20s&agg=sum&tier=raw", key: read)
            #expect(q.status == .ok)
            let entry = try #require((q.json["series"] as? [[String: Any]])?.first)
            #expect(entry["tier"] as? String == "raw")
            #expect((entry["points"] as? [[Double]])?.map { $0[1] } == [1, 5, 9])

            let latest = try await client.get("/api/v1/latest?host=web1", key: read)
            let values = try #require(latest.json["values"] as? [[String: Any]])
            #expect(values.count == 1)
            #expect(values.first?["value"] as? Double == 5)
            #expect(values.first?["timestamp"] as? Int64 == 1_700_000_050_000_000_000)

            let hosts = try await client.get("/api/v1/hosts", key: read)
            let list = try #require(hosts.json["hosts"] as? [[String: Any]])
            #expect(list.compactMap { $0["host"] as? String } == ["web1", "web2"])
            #expect(list.last?["last_seen"] as? Int64 == 1_700_000_050_000_000_000)
            #expect(list.last?["series"] as? Int == 2)
            #expect(list.last?["firing_alerts"] as? Int == 0)
        }
    }

    @Test(arguments: [
        ("/api/v1/query", "give series=ID or match={…}"),
        ("/api/v1/query?series=x", "series='x' is not a series id"),
        ("/api/v1/query?series=1&from=yesterday", "from: 'yesterday' is not a time: use now, -1h (relative), seconds (or ms, µs, ns) since the epoch or RFC 3339"),
        ("/api/v1/query?series=1&from=-1h&to=-2h", "from must be before to"),
        ("/api/v1/query?series=1&step=0", "step: '0' is not a positive duration (examples: 10s, 5m, 1h, or whole seconds)"),
        ("/api/v1/query?series=1&from=-30d&step=1s", "2592000 steps; at most 11000 (use a larger step)"),
        ("/api/v1/query?series=1&agg=median", "agg='median' is not one of mean, min, max, sum, count, last"),
        ("/api/v1/query?series=1&tier=5m", "tier='5m' is not one of auto, raw, 1m, 1h"),
        ("/api/v1/series?match=%7Bhost", "match: bad label matcher"),
        ("/api/v1/alerts?state=maybe", "state='maybe' is not one of firing, resolved, all"),
    ])
    func badParametersAre400WithTheReason(uri: String, message: String) async throws {
        let h = try APITestHarness()
        let read = try h.addKey("reader", [.read])
        try await h.app().test(.router) { client in
            let r = try await client.get(uri, key: read)
            #expect(r.status == .badRequest)
            #expect((r.json["error"] as? String)?.hasPrefix(message) == true, "\(r.text)")
        }
    }

    @Test func querySeriesByIDAnswersThatSeriesOnly() async throws {
        let (h, _, read, _) = try await seeded()
        try await h.app().test(.router) { client in
            let listed = try await client.get("/api/v1/series?match=%7B__name__%3D%22mem.used%22%7D", key: read)
            let entry = try #require((listed.json["series"] as? [[String: Any]])?.first)
            let id = try #require(entry["id"] as? Int)
            let q = try await client.get("/api/v1/query?series=\(id)&from=1700000000&to=1700000100&step=100s&agg=count&tier=raw", key: read)
            #expect(q.status == .ok)
            let series = try #require(q.json["series"] as? [[String: Any]])
            #expect(series.count == 1)
            #expect(series.first?["id"] as? Int == id)
            #expect(series.first?["metric"] as? String == "mem.used")
            #expect((series.first?["labels"] as? [String: String])?["host"] == "web2")
            #expect((series.first?["points"] as? [[Double]])?.map { $0[1] } == [1])
        }
    }

    @Test func unknownSeriesIs404() async throws {
        let (h, _, read, _) = try await seeded()
        try await h.app().test(.router) { client in
            let r1 = try await client.get("/api/v1/query?series=99999", key: read)
            #expect(r1.status == .notFound)
        }
    }

    @Test func silencesCreateListExpireNeedAdmin() async throws {
        let (h, _, read, admin) = try await seeded()
        try await h.app().test(.router) { client in
            let body = #"{"matchers":"{host=\"web1\",rule=~\"cpu.*\"}","duration":"2h","comment":"maintenance"}"#
            let denied = try await client.post("/api/v1/silences", key: read, body: body)
            #expect(denied.status == .forbidden)
            let created = try await client.post("/api/v1/silences", key: admin, body: body)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? Int)
            #expect(created.json["created_by"] as? String == "key:\(h.api.keys.keys.first { $0.name == "admin" }!.id)")
            let list = try await client.get("/api/v1/silences", key: read)
            #expect((list.json["silences"] as? [[String: Any]])?.compactMap { $0["comment"] as? String } == ["maintenance"])
            let bad = try await client.post("/api/v1/silences", key: admin, body: #"{"matchers":"","duration":"1h"}"#)
            #expect(bad.status == .badRequest)
            let del = try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete, headers: [.authorization: "Bearer \(admin)"])
            #expect(del.status == .noContent)
            let after = try await client.get("/api/v1/silences", key: read)
            #expect((after.json["silences"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func alertsFiringAndHistory() async throws {
        let h = try APITestHarness()
        let read = try h.addKey("reader", [.read])
        let event = AlertEvent(rule: "cpu_high", severity: .critical, state: .firing, labels: [("host", "web1")], summary: "CPU 97%",
                               value: 97, score: 0, timestamp: 1_700_000_000_000_000_000, startsAt: 1_700_000_000_000_000_000, source: "threshold")
        _ = h.daemon.alertBook.raise(event)
        let storage = try #require(h.daemon.storageWriter?.storage)
        try storage.appendAlerts([AlertRecord(event)])
        try await h.app().test(.router) { client in
            let firing = try await client.get("/api/v1/alerts", key: read)
            let alerts = try #require(firing.json["alerts"] as? [[String: Any]])
            #expect(alerts.count == 1)
            #expect(alerts.first?["rule"] as? String == "cpu_high")
            #expect(alerts.first?["severity"] as? String == "critical")
            #expect((alerts.first?["labels"] as? [String: String]) == ["host": "web1"])
            let history = try await client.get("/api/v1/alerts?state=all&rule=cpu_high", key: read)
            #expect((history.json["alerts"] as? [[String: Any]])?.first?["summary"] as? String == "CPU 97%")
            let hosts = try await client.get("/api/v1/hosts", key: read)
            #expect(hosts.status == .ok)
        }
    }

    @Test func pluginsAndHealth() async throws {
        let h = try APITestHarness()
        let read = try h.addKey("reader", [.read])
        try await h.app().test(.router) { client in
            let plugins = try await client.get("/api/v1/plugins", key: read)
            #expect(plugins.status == .ok)
            #expect(plugins.json["instances"] as? [Any] != nil)
            let health = try await client.get("/healthz", key: nil)
            #expect(health.text == #"{"status":"ok"}"#)
            let ready = try await client.get("/readyz", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["storage"] as? String == "connected")
        }
    }
}
