import PluginKit

/// One configured input: a metric name with optional label matchers, written
/// `net.rx_bytes` or `net.rx_bytes{interface="eth0"}` (quotes optional).
///
/// A series matches when its name is equal and its labels other than `host` are exactly
/// the matchers: each input must be *one* series per host, or rows would mix values of
/// several series. So `cpu.total` is the machine-wide series, not the per-core ones
/// (those carry `core="N"`), and a per-interface metric needs its `interface`.
struct MetricSelector: Equatable, Sendable {
    var name: String
    var matchers: [(String, String)]

    static func == (a: MetricSelector, b: MetricSelector) -> Bool {
        a.name == b.name && a.matchers.elementsEqual(b.matchers, by: { $0 == $1 })
    }

    /// Parses one entry of `metrics`; `key` names it in errors ("metrics[2]").
    init(parsing text: String, key: String) throws(PluginError) {
        var rest = Substring(text)
        let nameEnd = rest.firstIndex(of: "{") ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard !name.isEmpty, name.utf8.allSatisfy(MetricSelector.isNameByte) else {
            throw .config(key: key, "'\(text)' is not a metric name ([a-zA-Z0-9_.]+, optionally followed by {label=\"value\",...})")
        }
        self.name = name
        matchers = []
        rest = rest[nameEnd...]
        guard !rest.isEmpty else { return }
        guard rest.last == "}" else { throw .config(key: key, "'\(text)': label matchers must end with '}'") }
        let body = rest.dropFirst().dropLast()
        for part in body.split(separator: ",", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { throw .config(key: key, "'\(text)': matcher '\(part)' is not label=value") }
            let label = pieces[0].trimmed
            var value = pieces[1].trimmed
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            guard !label.isEmpty, label.utf8.allSatisfy(MetricSelector.isNameByte), !label.contains(".") else {
                throw .config(key: key, "'\(text)': '\(label)' is not a label name")
            }
            matchers.append((label, value))
        }
    }

    /// True when a series with this name and these (sorted) labels is this input.
    func matches(name: String, labels: [(String, String)]) -> Bool {
        guard name == self.name else { return false }
        var matched = 0
        for (key, value) in labels where key != "host" {
            guard matchers.contains(where: { $0.0 == key && $0.1 == value }) else { return false }
            matched += 1
        }
        return matched == matchers.count
    }

    var text: String {
        matchers.isEmpty ? name : name + "{" + matchers.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2E
    }
}

extension Substring {
    var trimmed: String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
