import PluginKit

/// The two textual forms of a label set that storage keeps: a canonical key for identity
/// (unique per series, cheap to compare) and JSON for queries.
enum LabelText {
    /// `k1=v1,k2=v2` over labels sorted by key, with `\`, `,` and `=` escaped, so two
    /// different label sets never share a key.
    static func canonicalKey(_ labels: [StoredSeries.Label]) -> String {
        var out = ""
        for (i, l) in labels.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out += "," }
            escape(l.key, into: &out)
            out += "="
            escape(l.value, into: &out)
        }
        return out
    }

    private static func escape(_ s: String, into out: inout String) {
        for c in s.unicodeScalars {
            if c == "\\" || c == "," || c == "=" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
    }

    /// A JSON object of the labels, keys sorted.
    static func json(_ labels: [StoredSeries.Label]) -> String {
        var out = "{"
        for (i, l) in labels.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out += "," }
            jsonString(l.key, into: &out)
            out += ":"
            jsonString(l.value, into: &out)
        }
        return out + "}"
    }

    static func jsonString(_ s: String, into out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 {
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        out += "\""
    }

    /// Labels back from the JSON this type wrote (or PostgreSQL's jsonb rendering of it).
    static func parse(_ text: String, context: String) throws(StorageError) -> [StoredSeries.Label] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw .statementFailed(backend: "storage", operation: context, reason: "stored labels are not JSON: \(error)")
        }
        guard case let .object(members) = value else {
            throw .statementFailed(backend: "storage", operation: context, reason: "stored labels are not a JSON object")
        }
        var out: [StoredSeries.Label] = []
        out.reserveCapacity(members.count)
        for (k, v) in members {
            guard case let .string(s) = v else {
                throw .statementFailed(backend: "storage", operation: context, reason: "label '\(k)' is not a string")
            }
            out.append(.init(k, s))
        }
        return out.sorted { $0.key < $1.key }
    }

    /// Silence matchers as a JSON array of [key, op, value] triples.
    static func matchersJSON(_ matchers: [LabelMatcher]) -> String {
        var out = "["
        for (i, m) in matchers.enumerated() {
            if i > 0 { out += "," }
            out += "["
            jsonString(m.key, into: &out)
            out += ","
            jsonString(m.op.rawValue, into: &out)
            out += ","
            jsonString(m.value, into: &out)
            out += "]"
        }
        return out + "]"
    }

    static func parseMatchers(_ text: String, context: String) throws(StorageError) -> [LabelMatcher] {
        let bad = StorageError.statementFailed(backend: "storage", operation: context, reason: "stored matchers are malformed: \(text)")
        guard case let .array(items)? = try? JSONValue.parse(text) else { throw bad }
        var out: [LabelMatcher] = []
        for item in items {
            guard case let .array(triple) = item, triple.count == 3,
                  case let .string(k) = triple[0], case let .string(o) = triple[1], case let .string(v) = triple[2],
                  let op = LabelMatcher.Operator(rawValue: o) else { throw bad }
            out.append(LabelMatcher(k, op, v))
        }
        return out
    }

    /// Label keys usable in a matcher: the registry's key syntax, or `__name__`.
    static func isValidKey(_ key: String) -> Bool {
        guard let f = key.utf8.first, key.utf8.count <= 100, !(f >= 0x30 && f <= 0x39) else { return false }
        return key.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }
}
