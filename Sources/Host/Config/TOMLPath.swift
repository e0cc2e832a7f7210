/// One step into a TOML document: a table key or an array index.
enum TOMLPathElement: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// Where a value sits in a TOML document. Diagnostics print it dotted ("bus.overflow",
/// "config.servers[1].port") and the key locator uses it to find the value's line.
struct TOMLPath: Hashable, Sendable, CustomStringConvertible {
    var elements: [TOMLPathElement]

    init(_ elements: [TOMLPathElement] = []) { self.elements = elements }

    /// A path of plain keys, e.g. `TOMLPath(keys: "bus", "overflow")`.
    init(keys: String...) { elements = keys.map { .key($0) } }

    var isEmpty: Bool { elements.isEmpty }

    func appending(_ key: String) -> TOMLPath { TOMLPath(elements + [.key(key)]) }

    func appending(index: Int) -> TOMLPath { TOMLPath(elements + [.index(index)]) }

    var parent: TOMLPath? { elements.isEmpty ? nil : TOMLPath(Array(elements.dropLast())) }

    var description: String {
        var out = ""
        for element in elements {
            switch element {
            case let .key(key):
                if !out.isEmpty { out += "." }
                out += TOMLPath.isBare(key) ? key : JSONText.quoted(key)
            case let .index(i):
                out += "[\(i)]"
            }
        }
        return out
    }

    /// Keys that TOML accepts unquoted; anything else is printed quoted so the dotted
    /// form stays unambiguous (a key may itself contain a dot).
    static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
