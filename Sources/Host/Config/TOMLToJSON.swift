import PluginKit
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

/// JSON string escaping, shared with plugins (PluginKit's `JSONEscaping`).
enum JSONText {
    static func quoted(_ text: String) -> String { JSONEscaping.quoted(text) }

    static func appendQuoted(_ text: String, to out: inout [UInt8]) { JSONEscaping.appendQuoted(text, to: &out) }
}
