import Host
import PluginKit

/// Prints query results as an aligned table, CSV (one row per sample, RFC 4180 quoting)
/// or JSON (one array; timestamps in nanoseconds since the epoch, NaN as null). Streams
/// line by line, so a long range is never held as text.
struct QueryOutput {
    let format: OutputFormat
    private var first = true

    init(format: OutputFormat) { self.format = format }

    mutating func begin() {
        switch format {
        case .table: break
        case .csv: print("series,time,timestamp_ns,value")
        case .json: print("[")
        }
    }

    mutating func series(_ s: StoredSeries, _ result: RangeResult) {
        switch format {
        case .table:
            if !first { print("") }
            print("\(s.selectorText)  (tier \(result.tier.rawValue), \(result.samples.count) sample\(result.samples.count == 1 ? "" : "s"))")
            table(result.samples.map { [QueryTime.format($0.timestamp), number($0.value)] }, header: ["TIME", "VALUE"])
        case .csv:
            let name = csvField(s.selectorText)
            for sample in result.samples {
                print("\(name),\(QueryTime.format(sample.timestamp)),\(sample.timestamp),\(number(sample.value))")
            }
        case .json:
            let samples = result.samples.map { "[\($0.timestamp),\(jsonNumber($0.value))]" }.joined(separator: ",")
            print("\(first ? "" : ",")\(jsonHead(s)),\"tier\":\"\(result.tier.rawValue)\",\"samples\":[\(samples)]}")
        }
        first = false
    }

    func end(matched: Int) {
        switch format {
        case .table: if matched == 0 { print("no series match") }
        case .csv: break
        case .json: print("]")
        }
    }

    mutating func latest(_ values: [LatestValue]) {
        switch format {
        case .table:
            table(values.map { [$0.series.selectorText, QueryTime.format($0.timestamp), number($0.value)] },
                  header: ["SERIES", "TIME", "VALUE"])
        case .csv:
            print("series,time,timestamp_ns,value")
            for v in values { print("\(csvField(v.series.selectorText)),\(QueryTime.format(v.timestamp)),\(v.timestamp),\(number(v.value))") }
        case .json:
            print("[" + values.map { "\(jsonHead($0.series)),\"timestamp\":\($0.timestamp),\"value\":\(jsonNumber($0.value))}" }
                .joined(separator: ",\n") + "]")
        }
    }

    mutating func seriesList(_ list: [StoredSeries]) {
        switch format {
        case .table:
            for s in list { print(s.selectorText) }
        case .csv:
            print("series,metric,id")
            for s in list { print("\(csvField(s.selectorText)),\(csvField(s.metric)),\(s.id)") }
        case .json:
            print("[" + list.map { "\(jsonHead($0))}" }.joined(separator: ",\n") + "]")
        }
    }

    /// `{"metric":…,"labels":{…}` without the closing brace.
    private func jsonHead(_ s: StoredSeries) -> String {
        let labels = s.labels.map { "\(JSONEscaping.quoted($0.key)):\(JSONEscaping.quoted($0.value))" }.joined(separator: ",")
        return "{\"metric\":\(JSONEscaping.quoted(s.metric)),\"labels\":{\(labels)}"
    }

    private func jsonNumber(_ v: Double) -> String { v.isFinite ? number(v) : "null" }

    private func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    private func table(_ rows: [[String]], header: [String]) { printInstanceTable(rows, header: header) }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
