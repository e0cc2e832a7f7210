#if canImport(Glibc)
import Glibc
#endif

/// InfluxDB line protocol, as Telegraf and InfluxDB clients write it:
///
///     measurement[,tag=value...] field=value[,field=value...] [timestamp]
///
/// Each field becomes one point named `measurement.field` with the tags as labels.
/// Escapes: `\,` and `\ ` in measurements; `\,`, `\=` and `\ ` in tag keys, tag values
/// and field keys; `\\` is one backslash; any other backslash is literal. Field values:
/// floats, `12i` integers, `12u` unsigned, booleans (`t`, `true`, `f`, `false`, any case
/// InfluxDB accepts) as 1/0; string fields (`"…"`) are refused per point since only
/// numbers are stored. `#` starts a comment line.
///
/// A malformed line is refused whole (each of its points counts as refused when they can
/// be counted, else one); a bad field value refuses that field's point only. Parsing
/// always continues with the next line.
public struct LineProtocolParser {
    public var precision: TimePrecision
    private let scratch = PointScratch()

    public init(precision: TimePrecision = .ns) {
        self.precision = precision
    }

    private struct LineError: Error {
        var column: Int
        var reason: String
    }

    /// Parses `body` and hands each point to `sink`.
    public func parse<Sink: IngestSink>(_ body: UnsafeRawBufferPointer, into sink: inout Sink) -> IngestResult {
        var result = IngestResult()
        guard let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return result }
        let end = body.count
        var lineStart = 0
        var lineNumber = 0
        while lineStart < end {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < end && base[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd + 1
            var stop = lineEnd
            if stop > lineStart && base[stop - 1] == 0x0D { stop -= 1 }
            var first = lineStart
            while first < stop && (base[first] == 0x20 || base[first] == 0x09) { first += 1 }
            if first < stop && base[first] != UInt8(ascii: "#") {
                let indexBefore = result.points
                do throws(LineError) {
                    try parseLine(base, first, stop, lineStart: lineStart, line: lineNumber, sink: &sink, result: &result)
                } catch {
                    result.points = indexBefore
                    let lost = max(1, countFields(base, first, stop))
                    result.points += lost
                    result.refuse(IngestRefusal(index: indexBefore, line: lineNumber, column: error.column, reason: error.reason),
                                  points: lost)
                }
            }
            lineStart = next
        }
        return result
    }

    /// Fields on a malformed line, roughly (commas after the first unescaped space), so a
    /// refused line counts its points.
    private func countFields(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) -> Int {
        var i = start, spaces = 0, commas = 0, quoted = false
        while i < stop {
            let c = p[i]
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if c == UInt8(ascii: "\"") && spaces >= 1 { quoted.toggle() }
            if !quoted {
                if c == 0x20 { spaces += 1 } else if c == UInt8(ascii: ","), spaces == 1 { commas += 1 }
            }
            i += 1
        }
        return spaces >= 1 ? commas + 1 : 1
    }

    private enum Part { case measurement, tagKey, tagValue, fieldKey }

    /// Copies an escaped token into the scratch; returns the index after it. Stops at an
    /// unescaped delimiter of `part`.
    @inline(__always)
    private func token(_ p: UnsafePointer<UInt8>, _ i0: Int, _ stop: Int, _ part: Part) -> Int {
        var i = i0
        while i < stop {
            let c = p[i]
            if c == UInt8(ascii: "\\") && i + 1 < stop {
                let n = p[i + 1]
                let special = n == UInt8(ascii: ",") || n == 0x20 || n == UInt8(ascii: "\\")
                    || (n == UInt8(ascii: "=") && part != .measurement)
                if special {
                    scratch.append(n)
                    i += 2
                    continue
                }
                scratch.append(c)
                i += 1
                continue
            }
            if c == 0x20 || c == UInt8(ascii: ",") { return i }
            // Keys end at '='; in a tag value an unescaped '=' is an error the caller reports.
            if c == UInt8(ascii: "=") && part != .measurement { return i }
            scratch.append(c)
            i += 1
        }
        return i
    }

    private func parseLine<Sink: IngestSink>(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int, lineStart: Int, line: Int,
                                             sink: inout Sink, result: inout IngestResult) throws(LineError) {
        func col(_ i: Int) -> Int { i - lineStart + 1 }
        // Names and labels become C strings: a NUL would silently cut them.
        if let nul = memchr(p + start, 0, stop - start) {
            throw LineError(column: col(UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - p), reason: "NUL byte in the line")
        }
        scratch.reset()
        // Measurement, kept without a NUL: each field's name is built from a copy of it.
        var i = token(p, start, stop, .measurement)
        let measurementLength = scratch.count
        guard measurementLength > 0 else { throw LineError(column: col(start), reason: "missing measurement") }
        // Tags.
        while i < stop && p[i] == UInt8(ascii: ",") {
            let keyStart = i + 1
            let keyOffset = scratch.count
            i = token(p, keyStart, stop, .tagKey)
            guard scratch.count > keyOffset else { throw LineError(column: col(keyStart), reason: "empty tag key") }
            guard i < stop && p[i] == UInt8(ascii: "=") else {
                throw LineError(column: col(i), reason: "tag '\(text(keyOffset))' has no '=value'")
            }
            scratch.append(0)
            let valueStart = i + 1
            let valueOffset = scratch.count
            i = token(p, valueStart, stop, .tagValue)
            guard scratch.count > valueOffset else {
                throw LineError(column: col(valueStart), reason: "tag '\(cText(keyOffset))' has an empty value")
            }
            if i < stop && p[i] == UInt8(ascii: "=") {
                throw LineError(column: col(i), reason: "unescaped '=' in the value of tag '\(cText(keyOffset))'")
            }
            scratch.append(0)
            scratch.addLabel(key: keyOffset, value: valueOffset)
        }
        guard i < stop && p[i] == 0x20 else {
            throw LineError(column: col(i), reason: i < stop ? "unexpected character after the tags" : "missing fields")
        }
        while i < stop && p[i] == 0x20 { i += 1 }
        guard i < stop else { throw LineError(column: col(i), reason: "missing fields") }

        // Fields: first pass finds them (a line is refused whole on a syntax error, so
        // nothing is delivered before the whole line is known to be well formed).
        // Reused across lines: no allocation per line once it has grown.
        scratch.fields.removeAll(keepingCapacity: true)
        while true {
            let keyStart = i
            let keyOffset = scratch.count
            i = token(p, keyStart, stop, .fieldKey)
            let keyLength = scratch.count - keyOffset
            guard keyLength > 0 else { throw LineError(column: col(keyStart), reason: "empty field key") }
            guard i < stop && p[i] == UInt8(ascii: "=") else {
                throw LineError(column: col(i), reason: "field '\(text(keyOffset))' has no '=value'")
            }
            i += 1
            let valueStart = i
            var quoted = false
            if i < stop && p[i] == UInt8(ascii: "\"") {
                quoted = true
                i += 1
                while i < stop && p[i] != UInt8(ascii: "\"") {
                    i += p[i] == UInt8(ascii: "\\") && i + 1 < stop ? 2 : 1
                }
                guard i < stop else { throw LineError(column: col(valueStart), reason: "unterminated string value of field '\(text(keyOffset))'") }
                i += 1
            } else {
                while i < stop && p[i] != UInt8(ascii: ",") && p[i] != 0x20 { i += 1 }
            }
            guard i > valueStart else { throw LineError(column: col(valueStart), reason: "field '\(text(keyOffset))' has an empty value") }
            scratch.fields.append(LineField(keyOffset: keyOffset, keyLength: keyLength, valueStart: valueStart, valueEnd: i, quoted: quoted))
            if i < stop && p[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            break
        }
        // Timestamp.
        var timestamp: Int64? = nil
        while i < stop && p[i] == 0x20 { i += 1 }
        if i < stop {
            let tsStart = i
            while i < stop && p[i] != 0x20 { i += 1 }
            let raw: Int64
            do throws(NumberParsing.Failure) {
                raw = try NumberParsing.int64(p + tsStart, i - tsStart)
            } catch {
                throw LineError(column: col(tsStart), reason: "timestamp '\(String(decoding: UnsafeBufferPointer(start: p + tsStart, count: i - tsStart), as: UTF8.self))' is not an integer")
            }
            let (scaled, overflow) = raw.multipliedReportingOverflow(by: precision.nanoseconds)
            guard !overflow else { throw LineError(column: col(tsStart), reason: "timestamp \(raw)\(precision.rawValue) is out of range") }
            timestamp = scaled
            while i < stop && p[i] == 0x20 { i += 1 }
            guard i == stop else { throw LineError(column: col(i), reason: "unexpected text after the timestamp") }
        }

        // Names are built after the field keys, which stay where the first pass put them.
        let fieldsEnd = scratch.count
        for field in scratch.fields {
            let index = result.points
            result.points += 1
            let valueText = UnsafeBufferPointer(start: p + field.valueStart, count: field.valueEnd - field.valueStart)
            func refuse(_ reason: String) {
                result.refuse(IngestRefusal(index: index, line: line, column: col(field.valueStart),
                                            reason: "field '\(fieldName(field.keyOffset, field.keyLength))': \(reason)"))
            }
            if field.quoted {
                refuse("string values are not stored (only numbers)")
                continue
            }
            let value: Double
            switch fieldValue(valueText) {
            case let .success(v): value = v
            case let .failure(reason):
                refuse(reason)
                continue
            }
            scratch.count = fieldsEnd
            let nameOffset = scratch.count
            scratch.appendCopy(of: 0, count: measurementLength)
            scratch.append(UInt8(ascii: "."))
            scratch.appendCopy(of: field.keyOffset, count: field.keyLength)
            scratch.append(0)
            let refusal = scratch.withPoint(nameOffset: nameOffset, value: value, timestamp: timestamp, index: index, line: line) {
                sink.accept($0)
            }
            if let refusal {
                result.refuse(IngestRefusal(index: index, line: line, column: col(start), reason: refusal))
            } else {
                result.accepted += 1
            }
        }
    }

    private enum FieldValue {
        case success(Double)
        case failure(String)
    }

    /// Booleans InfluxDB accepts, and their values.
    private static let booleans: [(StaticString, Double)] = [
        ("t", 1), ("T", 1), ("true", 1), ("True", 1), ("TRUE", 1),
        ("f", 0), ("F", 0), ("false", 0), ("False", 0), ("FALSE", 0),
    ]

    /// The value of a field; text is only made for an error message (no allocation on
    /// the good path).
    private func fieldValue(_ v: UnsafeBufferPointer<UInt8>) -> FieldValue {
        let p = v.baseAddress!
        let n = v.count
        func shown() -> String { String(decoding: v, as: UTF8.self) }
        let first = p[0] | 0x20
        if n <= 5 && (first == UInt8(ascii: "t") || first == UInt8(ascii: "f")) {
            for (word, value) in Self.booleans where word.utf8CodeUnitCount == n && memcmp(word.utf8Start, p, n) == 0 {
                return .success(value)
            }
        }
        let last = p[n - 1]
        if last == UInt8(ascii: "i") {
            do throws(NumberParsing.Failure) {
                return .success(Double(try NumberParsing.int64(p, n - 1)))
            } catch {
                return .failure(error == .overflow ? "integer \(shown()) is out of the 64-bit range" : "'\(shown())' is not an integer")
            }
        }
        if last == UInt8(ascii: "u") {
            do throws(NumberParsing.Failure) {
                return .success(Double(try NumberParsing.uint64(p, n - 1)))
            } catch {
                return .failure(error == .overflow ? "unsigned integer \(shown()) is out of the 64-bit range" : "'\(shown())' is not an unsigned integer")
            }
        }
        do throws(NumberParsing.Failure) {
            return .success(try NumberParsing.double(p, n))
        } catch {
            return .failure(error == .notFinite ? "value \(shown()) is not a finite number (NaN and Inf are refused)" : "'\(shown())' is not a number")
        }
    }

    private func text(_ offset: Int) -> String { scratch.string(from: offset) }
    private func cText(_ offset: Int) -> String { scratch.cString(at: offset) }

    private func fieldName(_ offset: Int, _ length: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: scratch.bytes + offset, count: length), as: UTF8.self)
    }
}

/// Where one field of a line is: its unescaped key in the scratch, its raw value in the input.
struct LineField {
    var keyOffset: Int
    var keyLength: Int
    var valueStart: Int
    var valueEnd: Int
    var quoted: Bool
}
