import Foundation
import Testing

/// `/api/v1/stream` from a real nazard over loopback TCP: live points of the system
/// collector, an alert change, Last-Event-ID resume, reset, and bad requests.
@Suite(.serialized) struct StreamHTTPTests {
    /// One SSE event's fields, from the raw text.
    struct Event {
        var id: UInt64?
        var name = "message"
        var data = ""
    }

    /// Reads events from an open stream until `enough` holds or the timeout passes.
    func events(_ c: LoopbackHTTP, timeout: Duration = .seconds(15), until enough: ([Event]) -> Bool) -> [Event] {
        var text = ""
        var out: [Event] = []
        let deadline = ContinuousClock.now + timeout
        while !enough(out), ContinuousClock.now < deadline {
            guard let bytes = c.nextChunkedBytes(timeout: .milliseconds(500)) else { break }
            text += String(decoding: bytes, as: UTF8.self)
            while let r = text.range(of: "\n\n") {
                var e = Event()
                for line in text[..<r.lowerBound].split(separator: "\n") {
                    if line.hasPrefix("id: ") { e.id = UInt64(line.dropFirst(4)) }
                    if line.hasPrefix("event: ") { e.name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { e.data += line.dropFirst(6) }
                }
                text.removeSubrange(..<r.upperBound)
                if !e.data.isEmpty { out.append(e) }
            }
        }
        return out
    }

    func open(_ port: Int, _ path: String, lastEventID: UInt64? = nil) throws -> (LoopbackHTTP, Int, [String: String]) {
        let c = try LoopbackHTTP(port: port)
        var headers = ["Accept": "text/event-stream"]
        if let lastEventID { headers["Last-Event-ID"] = String(lastEventID) }
        try c.send("GET", path, headers: headers)
        let head = try c.readHead()
        return (c, head.status, head.headers)
    }

    static let hostStream = "/api/v1/stream?match=%7Bhost%3D%22itest%22%7D&alerts=1"

    @Test func liveStreamResumeAndReset() throws {
        let nazard = try HTTPNazard(tag: "sse", interval: "500ms")
        defer { nazard.stop() }
        let (c, status, headers) = try open(nazard.port, Self.hostStream)
        #expect(status == 200)
        #expect(headers["content-type"]?.hasPrefix("text/event-stream") == true)
        #expect(headers["cache-control"] == "no-cache")

        let first = events(c) { $0.contains { $0.name == "points" && $0.data.contains(#""metric":"cpu.total""#) } }
        let points = try #require(first.first { $0.name == "points" && $0.data.contains("cpu.total") })
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(points.data.utf8)) as? [[String: Any]])
        #expect(parsed.allSatisfy { ($0["labels"] as? [String: String])?["host"] == "itest" })
        let cpu = try #require(parsed.first { $0["metric"] as? String == "cpu.total" && ($0["labels"] as? [String: String])?["core"] == nil })
        let value = try #require(cpu["value"] as? Double)
        #expect(value >= 0 && value <= 100)
        #expect((cpu["timestamp"] as? Int64 ?? 0) > 1_700_000_000_000_000_000)

        // A rule that holds at once is loaded by a reload: its firing arrives as an alert event.
        try HTTPNazard.firingRule.write(toFile: "\(nazard.dir)/plugins.d/detector-threshold.toml", atomically: true, encoding: .utf8)
        nazard.process.signal(SIGHUP)
        let withAlert = events(c) { $0.contains { $0.name == "alert" } }
        let alert = try #require(withAlert.first { $0.name == "alert" })
        let alertJSON = try #require(try JSONSerialization.jsonObject(with: Data(alert.data.utf8)) as? [String: Any])
        #expect(alertJSON["rule"] as? String == "cpu_any")
        #expect(alertJSON["state"] as? String == "firing")
        let ids = (first + withAlert).compactMap(\.id)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ids increase: \(ids)")

        // Resume: reconnect with the last id seen after missing a few events.
        let lastSeen = try #require(ids.last)
        Thread.sleep(forTimeInterval: 1.5)
        let (again, againStatus, _) = try open(nazard.port, Self.hostStream, lastEventID: lastSeen)
        #expect(againStatus == 200)
        let resumed = events(again) { $0.count >= 2 }
        #expect(resumed.first?.id == lastSeen + 1, "resumed at \(String(describing: resumed.first?.id)) after \(lastSeen)")
        #expect(!resumed.contains { $0.name == "reset" })

        // An id the server no longer holds (or from an earlier run) gets reset.
        let (stale, _, _) = try open(nazard.port, Self.hostStream, lastEventID: 1)
        let reset = events(stale) { !$0.isEmpty }
        #expect(reset.first?.name == "reset")
        #expect(reset.first?.data.contains("re-query") == true)
    }

    @Test func badRequestsAreRefusedWithTheReason() throws {
        let nazard = try HTTPNazard(tag: "sse-bad")
        defer { nazard.stop() }
        let badID = try LoopbackHTTP.request(port: nazard.port, "/api/v1/stream", headers: ["Last-Event-ID": "abc"])
        #expect(badID.status == 400)
        #expect(badID.body.contains("Last-Event-ID 'abc'"))
        let badMatch = try LoopbackHTTP.request(port: nazard.port, "/api/v1/stream?match=%7Bhost%3D")
        #expect(badMatch.status == 400)
        #expect(badMatch.body.contains("match"))
        let badFlag = try LoopbackHTTP.request(port: nazard.port, "/api/v1/stream?alerts=maybe")
        #expect(badFlag.status == 400)
        #expect(badFlag.body.contains("alerts='maybe'"))
    }
}
