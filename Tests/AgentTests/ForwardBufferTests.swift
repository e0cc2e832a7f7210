import Foundation
import Testing
@testable import Agent
@testable import Host

@Suite struct ForwardBufferTests {
    func directory() throws -> String {
        var template = Array("/tmp/nazar-fwbuf-XXXXXX".utf8CString)
        let p = try #require(template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } })
        return String(cString: p)
    }

    @Test func batchesComeOutInOrderAndSurviveARestart() throws {
        let dir = try directory()
        let buffer = try ForwardBuffer(directory: dir, maxBytes: 1 << 20)
        try buffer.append(Array("one".utf8), points: 1)
        try buffer.append(Array("two".utf8), points: 2)
        let (first, bytes) = try #require(buffer.oldest(untilMonotonicNanoseconds: 0))
        #expect(String(decoding: bytes, as: UTF8.self) == "one" && first.points == 1)
        buffer.remove(first)
        try buffer.append(Array("three".utf8), points: 3)
        // A new run picks up what is left, oldest first, and numbers on after it.
        let again = try ForwardBuffer(directory: dir, maxBytes: 1 << 20)
        #expect(again.pending.points == 5 && again.pending.batches == 2)
        try again.append(Array("four".utf8), points: 4)
        var order: [String] = []
        while let (b, data) = again.oldest(untilMonotonicNanoseconds: 0) {
            order.append(String(decoding: data, as: UTF8.self))
            again.remove(b)
        }
        #expect(order == ["two", "three", "four"])
        #expect(again.pending.points == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func fullBufferDropsTheOldestButNotTheOneBeingSent() throws {
        let dir = try directory()
        let buffer = try ForwardBuffer(directory: dir, maxBytes: 100)
        let forty = [UInt8](repeating: 1, count: 40)
        try buffer.append(forty, points: 10)   // 1
        try buffer.append(forty, points: 20)   // 2
        let (inFlight, _) = try #require(buffer.oldest(untilMonotonicNanoseconds: 0))
        #expect(inFlight.points == 10)
        // 120 bytes > 100: batch 1 is on the wire, so batch 2 goes.
        #expect(try buffer.append(forty, points: 30) == 20)
        #expect(buffer.dropped == 20)
        buffer.remove(inFlight)
        #expect(buffer.pending.points == 30)
        try buffer.append(forty, points: 40)
        #expect(try buffer.append(forty, points: 50) == 30)  // 3 is oldest now
        #expect(buffer.dropped == 50)
        #expect(buffer.pending.points == 90 && buffer.pending.bytes == 80)
    }

    @Test func leftoverTemporaryFilesAreRemovedAndStrangerFilesIgnored() throws {
        let dir = try directory()
        try "half".write(toFile: "\(dir)/.tmp-00000000000000000001-5.gz", atomically: false, encoding: .utf8)
        try "note".write(toFile: "\(dir)/README", atomically: false, encoding: .utf8)
        let buffer = try ForwardBuffer(directory: dir, maxBytes: 1 << 20)
        #expect(buffer.pending.batches == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["README"])
    }

    @Test func unusableDirectoryIsNamed() {
        #expect(throws: ForwardBufferError.self) { try ForwardBuffer(directory: "/proc/nazar-agent-buffer", maxBytes: 1 << 20) }
        do {
            _ = try ForwardBuffer(directory: "/proc/nazar-agent-buffer", maxBytes: 1 << 20)
        } catch {
            #expect(error.description.hasPrefix("agent buffer /proc/nazar-agent-buffer"))
        }
    }
}

@Suite struct ForwardingPolicyTests {
    @Test func backoffDoublesWithJitterUpToTheMaximum() {
        var b = Backoff(minimum: .milliseconds(100), maximum: .seconds(2))
        let delays = (0..<8).map { _ in b.next() }
        let caps: [Int64] = [100, 200, 400, 800, 1600, 2000, 2000, 2000].map { $0 * 1_000_000 }
        for (d, cap) in zip(delays, caps) { #expect(d >= cap / 2 && d <= cap, "\(d) not in [\(cap / 2), \(cap)]") }
        b.reset()
        #expect(b.next() <= 100_000_000)
        // Jitter: many agents failing together do not all wait the same.
        var values = Set<Int64>()
        for _ in 0..<20 { var x = Backoff(minimum: .seconds(1), maximum: .seconds(1)); values.insert(x.next()) }
        #expect(values.count > 1)
    }

    @Test func answersDecideWhetherABatchIsDoneOrRetried() {
        #expect(ForwardSender.classify(status: 202, body: #"{"accepted":5}"#, retryAfter: nil) == .accepted)
        #expect(ForwardSender.classify(status: 400, body: #"{"error":"bad","refused":[],"accepted":3}"#, retryAfter: nil)
                == .partlyRefused(accepted: 3, reason: #"HTTP 400: {"error":"bad","refused":[],"accepted":3}"#))
        guard case .retry(_, 7) = ForwardSender.classify(status: 429, body: "", retryAfter: " 7") else {
            Issue.record("429 is retried after Retry-After"); return
        }
        guard case let .retry(reason, nil) = ForwardSender.classify(status: 401, body: "{}", retryAfter: nil) else {
            Issue.record("401 is retried"); return
        }
        #expect(reason.contains("key_file"))
        guard case .retry = ForwardSender.classify(status: 503, body: "", retryAfter: nil) else { Issue.record("503"); return }
        #expect(ForwardSender.classify(status: 413, body: "too big", retryAfter: nil) == .rejected(status: 413, reason: "HTTP 413: too big"))
    }

    @Test func batchesAreIngestJSONWithoutNonFiniteValues() throws {
        let registry = SeriesRegistry(maxSeries: 10, defaultHost: "web1")
        let id = try registry.intern(name: "cpu.total", labels: [("core", "0")])
        var encoder = BatchEncoder(registry: registry)
        let added = [BusPoint(series: id, timestamp: 1_700_000_000_000_000_000, value: 12.5),
                     BusPoint(series: id, timestamp: 2, value: .nan), BusPoint(series: id, timestamp: 3, value: -.infinity),
                     BusPoint(series: id, timestamp: 4, value: 3)].map { encoder.add($0) }
        #expect(added == [true, false, false, true])
        let (body, points) = encoder.finish()
        #expect(points == 2)
        #expect(String(decoding: body, as: UTF8.self) == #"{"points":[{"metric":"cpu.total","labels":{"core":"0","host":"web1"},"value":12.5,"timestamp":1700000000000000000},{"metric":"cpu.total","labels":{"core":"0","host":"web1"},"value":3,"timestamp":4}]}"#)
        let empty = encoder.finish().body
        #expect(String(decoding: empty, as: UTF8.self) == #"{"points":[]}"#)
    }
}
