/// Nazar's JSON batch:
///
///     {"points":[{"metric":"cpu.total","labels":{"host":"web1"},"value":12.5,"timestamp":1700000000000000000}]}
///
/// `labels` and `timestamp` (integer ns since the epoch) are optional. Strings may use
/// every JSON escape (`\uXXXX` with surrogate pairs); numbers follow JSON's grammar and are
/// converted exactly. A point with a missing or wrongly typed member, an unknown member, or
/// a value outside the finite doubles is refused on its own and parsing goes on; a syntax
/// error stops parsing (`IngestResult.fatal`) with everything before it delivered.
public struct JSONIngestParser {
    private let scratch = PointScratch()
    /// Nesting allowed when skipping values (bounds the recursion).
    static let maxDepth = 64

    public init() {}

    /// Parses `body` and hands each point to `sink`.
    public func parse<Sink: IngestSink>(_ body: UnsafeRawBufferPointer, into sink: inout Sink) -> IngestResult {
        var result = IngestResult()
        var lines = LineCounter()
        guard let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self), body.count > 0 else {
            result.fatal = IngestRefusal(index: 0, line: 1, column: 1, reason: "empty body")
            return result
        }
        var r = Reader(p: base, n: body.count)
        do throws(JSONSyntaxError) {
            try r.expect(UInt8(ascii: "{"), "a JSON object {\"points\":[…]}")
            var sawPoints = false
            if !r.consume(UInt8(ascii: "}")) {
                repeat {
                    let keyOffset = r.i
                    scratch.reset()
                    try readString(&r)
                    try r.expect(UInt8(ascii: ":"), "':'")
                    guard scratch.equals("points") else {
                        throw JSONSyntaxError(offset: keyOffset, reason: "unknown member '\(scratch.string(from: 0))' (expected \"points\")")
                    }
                    sawPoints = true
                    try parsePoints(&r, sink: &sink, result: &result, lines: &lines)
                } while r.consume(UInt8(ascii: ","))
                try r.expect(UInt8(ascii: "}"), "',' or '}'")
            }
            r.skipWhitespace()
            if r.i < r.n { throw JSONSyntaxError(offset: r.i, reason: "text after the end of the JSON object") }
            if !sawPoints { throw JSONSyntaxError(offset: 0, reason: "missing member \"points\"") }
        } catch {
            let (line, column) = lines.position(of: min(error.offset, body.count), in: base)
            result.fatal = IngestRefusal(index: result.points, line: line, column: column, reason: error.reason)
        }
        return result
    }

    private enum Member {
        case metric, labels, value, timestamp

        var bit: UInt8 {
            switch self {
            case .metric: return 1
            case .labels: return 2
            case .value: return 4
            case .timestamp: return 8
            }
        }
    }

    private func parsePoints<Sink: IngestSink>(_ r: inout Reader, sink: inout Sink, result: inout IngestResult,
                                               lines: inout LineCounter) throws(JSONSyntaxError) {
        try r.expect(UInt8(ascii: "["), "an array of points")
        if r.consume(UInt8(ascii: "]")) { return }
        repeat {
            r.skipWhitespace()
            let start = r.i
            let index = result.points
            result.points += 1
            var problem: String? = nil
            var nameOffset = -1
            var value: Double? = nil
            var timestamp: Int64? = nil
            var seen: UInt8 = 0  // one bit per member (no Set per point)
            scratch.reset()
            try r.expect(UInt8(ascii: "{"), "a point object")
            if !r.consume(UInt8(ascii: "}")) {
                repeat {
                    let keyAt = scratch.count
                    r.skipWhitespace()
                    try readString(&r)
                    let member: Member?
                    if scratch.equals("metric", from: keyAt) { member = .metric }
                    else if scratch.equals("labels", from: keyAt) { member = .labels }
                    else if scratch.equals("value", from: keyAt) { member = .value }
                    else if scratch.equals("timestamp", from: keyAt) { member = .timestamp }
                    else { member = nil }
                    let keyName = member == nil ? scratch.string(from: keyAt) : ""
                    scratch.count = keyAt
                    try r.expect(UInt8(ascii: ":"), "':'")
                    r.skipWhitespace()
                    guard let member else {
                        if problem == nil { problem = "unknown member '\(keyName)' (known: metric, labels, value, timestamp)" }
                        try skipValue(&r, depth: 0)
                        continue
                    }
                    let bit = member.bit
                    if seen & bit != 0, problem == nil { problem = "member '\(member)' appears twice" }
                    seen |= bit
                    switch member {
                    case .metric:
                        guard r.peek == UInt8(ascii: "\"") else {
                            if problem == nil { problem = "metric must be a string" }
                            try skipValue(&r, depth: 0)
                            continue
                        }
                        nameOffset = scratch.count
                        try readString(&r)
                        if scratch.containsNul(from: nameOffset), problem == nil { problem = "metric contains a NUL character" }
                        scratch.append(0)
                    case .labels:
                        if let why = try readLabels(&r), problem == nil { problem = why }
                    case .value:
                        let numberAt = r.i
                        if r.peek == UInt8(ascii: "-") || (r.peek.map { $0 &- 48 < 10 } ?? false) {
                            let len = r.numberLength()
                            do throws(NumberParsing.Failure) {
                                value = try NumberParsing.double(r.p + numberAt, len, json: true)
                            } catch {
                                if error == .syntax { throw JSONSyntaxError(offset: numberAt, reason: "malformed number") }
                                if problem == nil { problem = "value \(r.text(numberAt, len)) is not a finite number (NaN and Inf are refused)" }
                            }
                            r.i += len
                        } else {
                            if problem == nil { problem = "value must be a number (NaN and Inf are refused)" }
                            try skipValue(&r, depth: 0)
                        }
                    case .timestamp:
                        let numberAt = r.i
                        if r.peek == UInt8(ascii: "-") || (r.peek.map { $0 &- 48 < 10 } ?? false) {
                            let len = r.numberLength()
                            do throws(NumberParsing.Failure) {
                                timestamp = try NumberParsing.int64(r.p + numberAt, len)
                            } catch {
                                // A valid JSON number that is not an int64 (1.5, 1e18, too large).
                                _ = try? NumberParsing.double(r.p + numberAt, len, json: true)
                                if problem == nil { problem = "timestamp \(r.text(numberAt, len)) is not an integer number of nanoseconds in the 64-bit range" }
                            }
                            r.i += len
                        } else if r.consumeLiteral("null") {
                            timestamp = nil
                        } else {
                            if problem == nil { problem = "timestamp must be an integer (nanoseconds since the epoch)" }
                            try skipValue(&r, depth: 0)
                        }
                    }
                } while r.consume(UInt8(ascii: ","))
                try r.expect(UInt8(ascii: "}"), "',' or '}' in a point")
            }
            if problem == nil && nameOffset < 0 { problem = "missing member 'metric'" }
            if problem == nil && value == nil { problem = "missing member 'value'" }
            let line = lines.position(of: start, in: r.p).line
            if let problem {
                result.refuse(IngestRefusal(index: index, line: line, column: lines.position(of: start, in: r.p).column, reason: problem))
                continue
            }
            let refusal = scratch.withPoint(nameOffset: nameOffset, value: value!, timestamp: timestamp, index: index, line: line) {
                sink.accept($0)
            }
            if let refusal {
                result.refuse(IngestRefusal(index: index, line: line, column: lines.position(of: start, in: r.p).column, reason: refusal))
            } else {
                result.accepted += 1
            }
        } while r.consume(UInt8(ascii: ","))
        try r.expect(UInt8(ascii: "]"), "',' or ']' after a point")
    }

    /// Reads `{"k":"v",…}` into the scratch as label pairs. Returns a reason to refuse the
    /// point (non-string value, NUL), throws on syntax errors.
    private func readLabels(_ r: inout Reader) throws(JSONSyntaxError) -> String? {
        guard r.peek == UInt8(ascii: "{") else {
            try skipValue(&r, depth: 0)
            return "labels must be an object of strings"
        }
        r.i += 1
        var problem: String? = nil
        if r.consume(UInt8(ascii: "}")) { return nil }
        repeat {
            r.skipWhitespace()
            let keyOffset = scratch.count
            try readString(&r)
            if scratch.containsNul(from: keyOffset), problem == nil { problem = "a label key contains a NUL character" }
            scratch.append(0)
            try r.expect(UInt8(ascii: ":"), "':'")
            r.skipWhitespace()
            guard r.peek == UInt8(ascii: "\"") else {
                if problem == nil { problem = "label '\(scratch.cString(at: keyOffset))' must have a string value" }
                try skipValue(&r, depth: 0)
                continue
            }
            let valueOffset = scratch.count
            try readString(&r)
            if scratch.containsNul(from: valueOffset), problem == nil { problem = "label '\(scratch.cString(at: keyOffset))' contains a NUL character" }
            scratch.append(0)
            scratch.addLabel(key: keyOffset, value: valueOffset)
        } while r.consume(UInt8(ascii: ","))
        try r.expect(UInt8(ascii: "}"), "',' or '}' in labels")
        return problem
    }

    /// Decodes a JSON string at the reader into the scratch (no terminator).
    private func readString(_ r: inout Reader) throws(JSONSyntaxError) {
        guard r.i < r.n, r.p[r.i] == UInt8(ascii: "\"") else { throw JSONSyntaxError(offset: r.i, reason: "expected a string") }
        r.i += 1
        while r.i < r.n {
            let c = r.p[r.i]
            if c == UInt8(ascii: "\"") { r.i += 1; return }
            if c < 0x20 { throw JSONSyntaxError(offset: r.i, reason: "control character in a string (escape it)") }
            if c != UInt8(ascii: "\\") {
                scratch.append(c)
                r.i += 1
                continue
            }
            guard r.i + 1 < r.n else { break }
            let e = r.p[r.i + 1]
            r.i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(&r)
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard r.i + 1 < r.n, r.p[r.i] == UInt8(ascii: "\\"), r.p[r.i + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError(offset: r.i, reason: "unpaired UTF-16 surrogate in \\u escape")
                    }
                    r.i += 2
                    let low = try hex4(&r)
                    guard low >= 0xDC00 && low < 0xE000 else { throw JSONSyntaxError(offset: r.i - 6, reason: "unpaired UTF-16 surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw JSONSyntaxError(offset: r.i - 6, reason: "unpaired UTF-16 surrogate in \\u escape")
                }
                appendUTF8(scalar)
            default:
                throw JSONSyntaxError(offset: r.i - 2, reason: "invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        throw JSONSyntaxError(offset: r.n, reason: "unterminated string")
    }

    private func hex4(_ r: inout Reader) throws(JSONSyntaxError) -> UInt32 {
        guard r.i + 4 <= r.n else { throw JSONSyntaxError(offset: r.i, reason: "truncated \\u escape") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = r.p[r.i + k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - 55
            default: throw JSONSyntaxError(offset: r.i + k, reason: "invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
        }
        r.i += 4
        return v
    }

    private func appendUTF8(_ s: UInt32) {
        if s < 0x80 {
            scratch.append(UInt8(s))
        } else if s < 0x800 {
            scratch.append(UInt8(0xC0 | s >> 6)); scratch.append(UInt8(0x80 | s & 0x3F))
        } else if s < 0x10000 {
            scratch.append(UInt8(0xE0 | s >> 12)); scratch.append(UInt8(0x80 | (s >> 6) & 0x3F)); scratch.append(UInt8(0x80 | s & 0x3F))
        } else {
            scratch.append(UInt8(0xF0 | s >> 18)); scratch.append(UInt8(0x80 | (s >> 12) & 0x3F))
            scratch.append(UInt8(0x80 | (s >> 6) & 0x3F)); scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Skips any JSON value, checking its syntax; strings are decoded into the scratch and
    /// dropped again.
    private func skipValue(_ r: inout Reader, depth: Int) throws(JSONSyntaxError) {
        guard depth < Self.maxDepth else { throw JSONSyntaxError(offset: r.i, reason: "nesting deeper than \(Self.maxDepth)") }
        r.skipWhitespace()
        guard let c = r.peek else { throw JSONSyntaxError(offset: r.i, reason: "unexpected end of input") }
        switch c {
        case UInt8(ascii: "\""):
            let mark = scratch.count
            try readString(&r)
            scratch.count = mark
        case UInt8(ascii: "{"):
            r.i += 1
            if r.consume(UInt8(ascii: "}")) { return }
            repeat {
                r.skipWhitespace()
                try skipValue(&r, depth: depth + 1)  // the key (a string)
                try r.expect(UInt8(ascii: ":"), "':'")
                try skipValue(&r, depth: depth + 1)
            } while r.consume(UInt8(ascii: ","))
            try r.expect(UInt8(ascii: "}"), "',' or '}'")
        case UInt8(ascii: "["):
            r.i += 1
            if r.consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(&r, depth: depth + 1) } while r.consume(UInt8(ascii: ","))
            try r.expect(UInt8(ascii: "]"), "',' or ']'")
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            guard r.consumeLiteral("true") || r.consumeLiteral("false") || r.consumeLiteral("null") else {
                throw JSONSyntaxError(offset: r.i, reason: "invalid literal")
            }
        default:
            let len = r.numberLength()
            do throws(NumberParsing.Failure) {
                _ = try NumberParsing.double(r.p + r.i, len, json: true)
            } catch {
                if error == .syntax || len == 0 { throw JSONSyntaxError(offset: r.i, reason: len == 0 ? "expected a value" : "malformed number") }
            }
            r.i += len
        }
    }
}

/// A syntax error at a byte offset; parsing stops there.
private struct JSONSyntaxError: Error {
    var offset: Int
    var reason: String
}

/// A cursor over the body.
private struct Reader {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0

    var peek: UInt8? { i < n ? p[i] : nil }

    @inline(__always) mutating func skipWhitespace() {
        while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
    }

    /// Skips whitespace, then consumes `c` if it is next.
    @inline(__always) mutating func consume(_ c: UInt8) -> Bool {
        skipWhitespace()
        if i < n && p[i] == c { i += 1; return true }
        return false
    }

    mutating func expect(_ c: UInt8, _ what: String) throws(JSONSyntaxError) {
        if !consume(c) { throw JSONSyntaxError(offset: i, reason: i < n ? "expected \(what)" : "unexpected end of input, expected \(what)") }
    }

    mutating func consumeLiteral(_ word: StaticString) -> Bool {
        let len = word.utf8CodeUnitCount
        guard i + len <= n else { return false }
        for k in 0..<len where p[i + k] != word.utf8Start[k] { return false }
        i += len
        return true
    }

    /// Length of the number-like run at the cursor.
    func numberLength() -> Int {
        var j = i
        while j < n {
            let c = p[j]
            guard (c &- 48 < 10) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                    || c | 0x20 == UInt8(ascii: "e") else { break }
            j += 1
        }
        return j - i
    }

    func text(_ at: Int, _ len: Int) -> String { String(decoding: UnsafeBufferPointer(start: p + at, count: len), as: UTF8.self) }
}

/// Turns byte offsets into line and column, scanning forward from the last position asked
/// (offsets asked for only grow in a parse, so the whole body is scanned at most once).
struct LineCounter {
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    mutating func position(of target: Int, in p: UnsafePointer<UInt8>) -> (line: Int, column: Int) {
        if target < offset {
            offset = 0; line = 1; lineStart = 0
        }
        while offset < target {
            if p[offset] == 0x0A { line += 1; lineStart = offset + 1 }
            offset += 1
        }
        return (line, target - lineStart + 1)
    }
}
