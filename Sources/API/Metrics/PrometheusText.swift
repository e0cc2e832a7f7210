/// Writes the Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` once per
/// family, then its samples. Label values are escaped (`\\`, `\"`, `\n`); values are
/// written so that Prometheus reads them back exactly (`+Inf`, `NaN` included).
struct PrometheusText {
    private(set) var text = ""

    /// Starts a metric family. `type` is counter, gauge or histogram.
    mutating func family(_ name: String, _ type: String, _ help: String) {
        // HELP text escapes only backslash and newline (a quote is literal there).
        var escapedHelp = ""
        for c in help.unicodeScalars {
            switch c {
            case "\\": escapedHelp += "\\\\"
            case "\n": escapedHelp += "\\n"
            default: escapedHelp.unicodeScalars.append(c)
            }
        }
        text += "# HELP \(name) \(escapedHelp)\n"
        text += "# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " \(Self.format(value))\n"
    }

    static func escape(_ v: String) -> String {
        var out = ""
        for c in v.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A metric name from a dotted self-metric name: `nazar.bus.series` → `nazar_bus_series`.
    static func name(_ dotted: String) -> String {
        String(dotted.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }
}
