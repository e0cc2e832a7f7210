import PluginKit

/// Points as the JSON the ingest API reads and the stream writes — `{"metric":…,
/// "labels":{…},"value":…,"timestamp":…}` — appended to a byte buffer without Foundation
/// and without a String per point.
public enum PointJSON {
    /// A decimal integer.
    public static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        var n = v.magnitude
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buf in
            var count = 0
            while n > 0 {
                buf[count] = UInt8(48 + n % 10)
                n /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }

    /// Integers as integers, other values in Swift's shortest round-trip form (a small
    /// string, so usually no heap allocation), null when not finite (JSON has no NaN).
    public static func appendNumber(_ v: Double, to out: inout [UInt8]) {
        guard v.isFinite else { out.append(contentsOf: "null".utf8); return }
        if v == v.rounded(), abs(v) < 1e15 { appendInteger(Int64(v), to: &out); return }
        out.append(contentsOf: v.description.utf8)
    }

    /// `{"k":"v",…}`.
    public static func appendLabels(_ labels: [(String, String)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, (k, v)) in labels.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONEscaping.appendQuoted(k, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONEscaping.appendQuoted(v, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// One point object: the series' cached prefix, then value and timestamp.
    @inline(__always)
    public static func appendPoint(prefix: [UInt8], value: Double, timestamp: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: prefix)
        out.append(contentsOf: #""value":"#.utf8)
        appendNumber(value, to: &out)
        out.append(contentsOf: #","timestamp":"#.utf8)
        appendInteger(timestamp, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// Each series' `{"metric":"…","labels":{…},` rendered once from the registry and reused
/// for every point of it. Not thread-safe: one per encoding thread.
public final class SeriesJSONPrefixes {
    private let registry: SeriesRegistry
    private var prefixes: [[UInt8]] = []

    public init(registry: SeriesRegistry) { self.registry = registry }

    public func prefix(_ series: UInt64) -> [UInt8] {
        let i = Int(series)
        if i >= prefixes.count { prefixes.append(contentsOf: repeatElement([], count: max(i + 1 - prefixes.count, 1024))) }
        if prefixes[i].isEmpty {
            var out: [UInt8] = Array(#"{"metric":"#.utf8)
            JSONEscaping.appendQuoted(registry.name(of: series), to: &out)
            out.append(contentsOf: #","labels":"#.utf8)
            PointJSON.appendLabels(registry.labels(of: series), to: &out)
            out.append(UInt8(ascii: ","))
            prefixes[i] = out
        }
        return prefixes[i]
    }
}
