import IngestFormat

/// A point as a test sees it: Swift strings, labels in input order.
struct RecordedPoint: Equatable, CustomStringConvertible {
    var name: String
    var labels: [String: String]
    var value: Double
    var timestamp: Int64?
    var index: Int
    var line: Int

    var description: String { "\(name)\(labels) \(value) @\(timestamp.map(String.init) ?? "-") #\(index) L\(line)" }
}

/// Keeps every point it is given; refuses those `refuse` picks.
struct RecordingSink: IngestSink {
    var points: [RecordedPoint] = []
    var refuse: (RecordedPoint) -> String? = { _ in nil }

    mutating func accept(_ p: ParsedPoint) -> String? {
        var labels: [String: String] = [:]
        for l in p.labels { labels[String(cString: l.key)] = String(cString: l.value) }
        let r = RecordedPoint(name: String(cString: p.name), labels: labels, value: p.value, timestamp: p.timestamp,
                              index: p.index, line: p.line)
        if let why = refuse(r) { return why }
        points.append(r)
        return nil
    }
}

func parseLines(_ text: String, precision: TimePrecision = .ns) -> (RecordingSink, IngestResult) {
    var sink = RecordingSink()
    let bytes = Array(text.utf8)
    let result = bytes.withUnsafeBytes { LineProtocolParser(precision: precision).parse($0, into: &sink) }
    return (sink, result)
}

func parseJSON(_ text: String) -> (RecordingSink, IngestResult) {
    var sink = RecordingSink()
    let bytes = Array(text.utf8)
    let result = bytes.withUnsafeBytes { JSONIngestParser().parse($0, into: &sink) }
    return (sink, result)
}
