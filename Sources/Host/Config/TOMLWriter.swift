/// Writes a `TOMLNode` document back as TOML, every table inline and every key quoted.
/// Not for people: it lets the tests and fuzz-config check the parser against itself
/// (parse, write, parse again: the same document).
enum TOMLWriter {
    static func document(_ root: [String: TOMLNode]) -> String {
        var out = ""
        for key in root.keys.sorted() {
            guard let value = root[key] else { continue }
            writeKey(key, into: &out)
            out += " = "
            write(value, into: &out)
            out += "\n"
        }
        return out
    }

    static func write(_ node: TOMLNode, into out: inout String) {
        switch node {
        case let .string(text): writeString(text, into: &out)
        case let .integer(value): out += String(value)
        case let .float(value):
            // Swift's shortest round-trip spelling ("0.1", "1e-05", "-0.0") is TOML too.
            out += value.isNaN ? "nan" : value.isInfinite ? (value < 0 ? "-inf" : "inf") : "\(value)"
        case let .bool(value): out += value ? "true" : "false"
        case let .date(text), let .time(text), let .dateTime(text): out += text
        case let .array(elements):
            out += "["
            for (k, element) in elements.enumerated() {
                if k > 0 { out += ", " }
                write(element, into: &out)
            }
            out += "]"
        case let .table(table):
            out += "{"
            for (k, key) in table.keys.sorted().enumerated() {
                guard let value = table[key] else { continue }
                out += k > 0 ? ", " : " "
                writeKey(key, into: &out)
                out += " = "
                write(value, into: &out)
            }
            out += table.isEmpty ? "}" : " }"
        }
    }

    private static func writeKey(_ key: String, into out: inout String) {
        writeString(key, into: &out)
    }

    /// A basic string: quotes, backslashes and control characters escaped.
    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Equality as the round trip needs it: NaN equals NaN, and 0.0 differs from -0.0.
    static func same(_ a: TOMLNode, _ b: TOMLNode) -> Bool {
        switch (a, b) {
        case let (.float(x), .float(y)):
            return (x.isNaN && y.isNaN) || x.bitPattern == y.bitPattern
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case let (.table(x), .table(y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default:
            return a == b
        }
    }
}
