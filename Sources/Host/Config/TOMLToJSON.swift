/// Why a TOML value cannot be handed to a plugin as JSON.
struct TOMLToJSONError: Error, Sendable {
    var path: TOMLPath
    var message: String
}

/// Turns a plugin's `[config]` table into canonical JSON: object keys sorted by their
/// UTF-8 bytes, no whitespace, numbers in their shortest round-trip form. Equal tables
/// give equal strings whatever order the admin wrote the keys in; reload compares these
/// strings to decide whether an instance's config changed.
enum TOMLToJSON {
    /// PluginKit's JSON parser refuses deeper nesting; refusing it here names the key.
    static let maximumDepth = 63

    static func encode(_ node: TOMLNode, at path: TOMLPath) throws(TOMLToJSONError) -> String {
        var out: [UInt8] = []
        try write(node, at: path, depth: 0, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ node: TOMLNode, at path: TOMLPath, depth: Int, to out: inout [UInt8]) throws(TOMLToJSONError) {
        guard depth <= maximumDepth else {
            throw TOMLToJSONError(path: path, message: "nested more than \(maximumDepth) levels deep")
        }
        switch node {
        case let .string(s), let .date(s), let .time(s), let .dateTime(s):
            JSONText.appendQuoted(s, to: &out)
        case let .integer(n):
            out.append(contentsOf: String(n).utf8)
        case let .float(d):
            guard d.isFinite else {
                throw TOMLToJSONError(path: path, message: "\(d) cannot be passed to the plugin: JSON has no infinity or NaN")
            }
            out.append(contentsOf: d.description.utf8)
        case let .bool(b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, at: path.appending(index: index), depth: depth + 1, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .table(members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (n, key) in keys.enumerated() {
                guard let value = members[key] else { continue }
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                try write(value, at: path.appending(key), depth: depth + 1, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// JSON string escaping (RFC 8259): quote, backslash and control characters are escaped,
/// everything else, non-ASCII included, is copied as UTF-8, which JSON text is.
enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        appendQuoted(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20, 0x7F:
                // DEL is legal JSON but invisible in logs; escaping it is just as valid.
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
