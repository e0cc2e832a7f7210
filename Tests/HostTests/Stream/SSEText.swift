import Foundation
@testable import Host

/// One Server-Sent Event as a browser's EventSource would see it.
struct SSEEvent: Equatable {
    var id: String?
    var event: String
    var data: String

    /// The data parsed as JSON (tests only).
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed]) }
}

/// Splits SSE text into events and comments, per the WHATWG parsing rules the tests need
/// (`id`, `event`, `data` fields; lines starting with ':' are comments).
struct SSEParser {
    private var buffer = ""
    private(set) var events: [SSEEvent] = []
    private(set) var comments: [String] = []

    mutating func feed(_ bytes: [UInt8]) {
        buffer += String(decoding: bytes, as: UTF8.self)
        while let range = buffer.range(of: "\n\n") {
            let block = String(buffer[..<range.lowerBound])
            buffer.removeSubrange(..<range.upperBound)
            var event = SSEEvent(id: nil, event: "message", data: "")
            var hasData = false
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix(":") { comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)); continue }
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let field = String(parts[0])
                var value = parts.count > 1 ? String(parts[1]) : ""
                if value.hasPrefix(" ") { value.removeFirst() }
                switch field {
                case "id": event.id = value
                case "event": event.event = value
                case "data": event.data += (hasData ? "\n" : "") + value; hasData = true
                default: break
                }
            }
            if hasData { events.append(event) }
        }
    }
}

/// Reads a hub client until `done` holds or the timeout passes (the hub's heartbeat in
/// the tests' settings makes `next()` return often enough to check the clock).
func read(_ client: StreamClient, timeout: Duration = .seconds(5),
          until done: (SSEParser) -> Bool) async -> SSEParser {
    var parser = SSEParser()
    let deadline = ContinuousClock.now + timeout
    // Past the deadline, what is already queued still counts: with every suite running in
    // parallel the reading task may not be scheduled for seconds while the hub keeps writing.
    while !done(parser), ContinuousClock.now < deadline || client.pendingBytes > 0 {
        guard let bytes = await client.next() else { break }
        parser.feed(bytes)
    }
    return parser
}
