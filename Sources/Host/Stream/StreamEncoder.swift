import PluginKit

/// Server-Sent Events framing and the JSON of stream events, without Foundation.
///
/// `points` data is an array of `{"metric","labels","value","timestamp"}` (timestamp in
/// ns since the epoch, value null when not finite); each series' `{"metric":…,"labels":…,`
/// prefix is rendered once and reused. `alert` data is one alert object. Threading: the
/// hub's fan-out thread only.
final class StreamEncoder {
    private let registry: SeriesRegistry
    private let prefixes: SeriesJSONPrefixes

    init(registry: SeriesRegistry) {
        self.registry = registry
        prefixes = SeriesJSONPrefixes(registry: registry)
    }

    /// The `points` event with the points of `event` that pass `filter`; nil when none do.
    func points(_ event: StreamEvent, _ points: [BusPoint], filter: StreamFilter) -> [UInt8]? {
        var out: [UInt8] = []
        var any = false
        for p in points where filter.matches(series: p.series, registry: registry) {
            if !any {
                out.reserveCapacity(64 + points.count * 96)
                Self.header(id: event.id, name: "points", into: &out)
                out.append(UInt8(ascii: "["))
                any = true
            } else {
                out.append(UInt8(ascii: ","))
            }
            PointJSON.appendPoint(prefix: prefixes.prefix(p.series), value: p.value, timestamp: p.timestamp, to: &out)
        }
        guard any else { return nil }
        out.append(contentsOf: "]\n\n".utf8)
        return out
    }

    /// The `alert` event for `alert`.
    func alert(_ event: StreamEvent, _ alert: AlertEvent) -> [UInt8] {
        var out: [UInt8] = []
        Self.header(id: event.id, name: "alert", into: &out)
        out.append(contentsOf: #"{"rule":"#.utf8)
        JSONEscaping.appendQuoted(alert.rule, to: &out)
        out.append(contentsOf: #","state":""#.utf8)
        out.append(contentsOf: alert.state.description.utf8)
        out.append(contentsOf: #"","severity":""#.utf8)
        out.append(contentsOf: alert.severity.description.utf8)
        out.append(contentsOf: #"","labels":"#.utf8)
        PointJSON.appendLabels(alert.labels, to: &out)
        out.append(contentsOf: #","summary":"#.utf8)
        JSONEscaping.appendQuoted(alert.summary, to: &out)
        out.append(contentsOf: #","value":"#.utf8)
        PointJSON.appendNumber(alert.value, to: &out)
        out.append(contentsOf: #","score":"#.utf8)
        PointJSON.appendNumber(alert.score, to: &out)
        out.append(contentsOf: #","timestamp":"#.utf8)
        PointJSON.appendInteger(alert.timestamp, to: &out)
        out.append(contentsOf: #","startsAt":"#.utf8)
        PointJSON.appendInteger(alert.startsAt, to: &out)
        out.append(contentsOf: #","source":"#.utf8)
        JSONEscaping.appendQuoted(alert.source, to: &out)
        out.append(contentsOf: #","fingerprint":""#.utf8)
        out.append(contentsOf: String(alert.fingerprint, radix: 16).utf8)
        out.append(contentsOf: "\"}\n\n".utf8)
        return out
    }

    /// `event: reset`: the client missed events the ring no longer holds and must
    /// re-query; its id moves the client's Last-Event-ID to now.
    static func reset(lastID: UInt64, requested: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        header(id: lastID, name: "reset", into: &out)
        out.append(contentsOf: #"{"reason":"events after "#.utf8)
        out.append(contentsOf: String(requested).utf8)
        out.append(contentsOf: #" are no longer held; re-query the range","lastEventId":"#.utf8)
        out.append(contentsOf: String(lastID).utf8)
        out.append(contentsOf: "}\n\n".utf8)
        return out
    }

    /// Sent first: how long a browser waits before reconnecting, and a comment so the
    /// response starts at once.
    static let opening: [UInt8] = Array("retry: 2000\n: connected\n\n".utf8)
    static let heartbeat: [UInt8] = Array(": heartbeat\n\n".utf8)

    private static func header(id: UInt64, name: String, into out: inout [UInt8]) {
        out.append(contentsOf: "id: ".utf8)
        out.append(contentsOf: String(id).utf8)
        out.append(contentsOf: "\nevent: ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: "\ndata: ".utf8)
    }
}
