// The documentation of each area's routes, kept apart from the handlers so a handler
// file stays about behaviour. `OpenAPITests` checks every registered route is here.

private typealias Op = OpenAPIOperation
private typealias P = OpenAPIOperation.Parameter
private let json = "application/json"
private func error(_ code: String, _ text: String) -> (String, String, String, String) {
    (code, text, json, OpenAPISchemas.ref("Error"))
}
private let unauthorized = error("401", "No key, or an unknown key")
private let forbidden = error("403", "The key lacks the scope")
private let unavailable = error("503", "Storage unreachable or not configured")
private let overloaded = error("503", "Overloaded: a bus subscriber (the storage writer) stayed full for bus.block_timeout, so the batch was not all queued; send it again after Retry-After (stored points are not duplicated)")
private let timeHelp = "RFC 3339 (or a date alone), seconds (fractional too) or integer ms/µs/ns since the epoch, 'now', or relative like -1h, now-1h, +10m (the spellings of nazarctl query)"

extension HealthRoutes {
    static let operations: [OpenAPIOperation] = [
        Op("get", "/healthz", summary: "The process answers", scope: nil,
           responses: [("200", "Alive", json, OpenAPISchemas.object(#""status":{"type":"string"}"#))]),
        Op("get", "/readyz", summary: "Plugins loaded and storage reachable", scope: nil,
           responses: [("200", "Ready", json, ""), ("503", "Storage unreachable", json, "")]),
    ]
}

extension IngestRoutes {
    private static let lineProtocolParams = [
        P("precision", "Timestamp unit: ns (default), us, ms, s"),
    ]
    private static let influxResponses = [
        ("204", "Every point accepted", "", ""),
        ("400", "Some points or lines refused (the others were accepted): {\"error\":\"partial write: …\"}", json, OpenAPISchemas.ref("IngestRefused")),
        unauthorized, forbidden, error("413", "Body over max_body_bytes"), error("429", "Over the key's rate limit; see Retry-After"),
        overloaded,
    ]
    static let operations: [OpenAPIOperation] = [
        Op("post", "/api/v1/ingest", summary: "Push points (JSON batch or InfluxDB line protocol)",
           description: "Content-Type application/json: {\"points\":[…]}; text/plain: line protocol, each field a point named measurement.field. Content-Encoding: gzip accepted. Points of a key restricted to a host must carry that host (or get it).",
           scope: "ingest", parameters: lineProtocolParams,
           requestBody: [(json, OpenAPISchemas.ref("IngestBatch")), ("text/plain", #"{"type":"string"}"#)],
           responses: [("202", "Every point is on the bus", json, OpenAPISchemas.object(#""accepted":{"type":"integer"}"#)),
                       ("400", "Some points refused (the others were accepted), or a syntax error", json, OpenAPISchemas.ref("IngestRefused")),
                       unauthorized, forbidden, error("413", "Body over max_body_bytes"), error("415", "Unsupported Content-Type or Content-Encoding"),
                       error("429", "Over the key's rate limit; see Retry-After"), overloaded]),
        Op("post", "/write", summary: "InfluxDB 1.x write (line protocol)", scope: "ingest",
           parameters: lineProtocolParams + [P("db", "Accepted and ignored"), P("rp", "Accepted and ignored")],
           requestBody: [("text/plain", #"{"type":"string"}"#)], responses: influxResponses),
        Op("post", "/api/v2/write", summary: "InfluxDB 2.x write (line protocol)", scope: "ingest",
           parameters: lineProtocolParams + [P("org", "Accepted and ignored"), P("bucket", "Accepted and ignored")],
           requestBody: [("text/plain", #"{"type":"string"}"#)], responses: influxResponses),
        Op("get", "/ping", summary: "InfluxDB clients' liveness check", scope: nil, responses: [("204", "Alive", "", "")]),
        Op("head", "/ping", summary: "InfluxDB clients' liveness check", scope: nil, responses: [("204", "Alive", "", "")]),
        Op("post", "/query", summary: "InfluxDB 1.x CREATE DATABASE (accepted, nothing to create)", scope: "ingest",
           parameters: [P("q", required: true, "CREATE DATABASE …")],
           responses: [("200", "Done", json, ""), error("400", "Not CREATE DATABASE"), unauthorized, forbidden]),
    ]
}

extension ReadRoutes {
    private static let match = P("match", "Label matchers, e.g. {__name__=\"cpu.total\",host=~\"web.*\"}")
    static let operations: [OpenAPIOperation] = [
        Op("get", "/api/v1/series", summary: "Stored series matching label matchers", scope: "read", parameters: [match],
           responses: [("200", "Series", json, OpenAPISchemas.object(#""series":\#(OpenAPISchemas.arrayOf(OpenAPISchemas.ref("Series"))),"truncated":{"type":"boolean"}"#)),
                       error("400", "Bad matcher"), unauthorized, forbidden, unavailable]),
        Op("get", "/api/v1/query", summary: "Points of series over a range, aggregated per step", scope: "read",
           parameters: [P("series", type: "integer", "A series id (or give match)"), match, P("from", "Start (default to − 1h); " + timeHelp),
                        P("to", "End (default now); " + timeHelp), P("step", "Step, e.g. 10s, 1m, 1h30m, or whole seconds (default: range/300, at least 1s)"),
                        P("agg", "mean (default), min, max, last, sum, count"), P("tier", "auto (default), raw, 1m, 1h")],
           responses: [("200", "One entry per series with [timestamp_ns, value] pairs", json, ""),
                       error("400", "Bad parameter"), error("404", "No such series"), unauthorized, forbidden, unavailable]),
        Op("get", "/api/v1/latest", summary: "Latest value of every series of a host", scope: "read",
           parameters: [P("host", "Host (default: this daemon's)")],
           responses: [("200", "Values", json, ""), unauthorized, forbidden, unavailable]),
        Op("get", "/api/v1/hosts", summary: "Hosts with last seen time, series count and firing alerts", scope: "read",
           responses: [("200", "Hosts", json, ""), unauthorized, forbidden, unavailable]),
        Op("get", "/api/v1/plugins", summary: "Plugin instances: state and counters", scope: "read",
           responses: [("200", "Instances", json, ""), unauthorized, forbidden]),
    ]
}

extension AlertRoutes {
    static let operations: [OpenAPIOperation] = [
        Op("get", "/api/v1/alerts", summary: "Firing alerts, or the stored history", scope: "read",
           parameters: [P("state", "firing (default), resolved, all"), P("from", timeHelp), P("to", timeHelp), P("rule", "Rule name"),
                        P("severity", "Severity"), P("match", "Label matchers"), P("limit", type: "integer", "At most this many (history)")],
           responses: [("200", "Alerts", json, OpenAPISchemas.object(#""alerts":\#(OpenAPISchemas.arrayOf(OpenAPISchemas.ref("Alert")))"#)),
                       error("400", "Bad parameter"), unauthorized, forbidden, unavailable]),
        Op("get", "/api/v1/silences", summary: "Silences active now", scope: "read",
           responses: [("200", "Silences", json, OpenAPISchemas.object(#""silences":\#(OpenAPISchemas.arrayOf(OpenAPISchemas.ref("Silence")))"#)),
                       unauthorized, forbidden, unavailable]),
        Op("post", "/api/v1/silences", summary: "Create a silence", scope: "admin",
           requestBody: [(json, OpenAPISchemas.object(#""matchers":{"type":"string"},"starts_at":{"type":"string"},"ends_at":{"type":"string"},"duration":{"type":"string"},"created_by":{"type":"string"},"comment":{"type":"string"}"#))],
           responses: [("201", "Created", json, OpenAPISchemas.ref("Silence")), error("400", "Bad body"), unauthorized, forbidden, unavailable]),
        Op("delete", "/api/v1/silences/{id}", summary: "Expire a silence now", scope: "admin",
           parameters: [P("id", in: "path", required: true, type: "integer", "Silence id")],
           responses: [("204", "Expired", "", ""), error("400", "Bad id"), unauthorized, forbidden, unavailable]),
    ]
}

extension MetricsRoutes {
    static let operations: [OpenAPIOperation] = [
        Op("get", "/metrics", summary: "nazard's own metrics, Prometheus text format 0.0.4", scope: "read",
           responses: [("200", "Metrics", "text/plain", #"{"type":"string"}"#), unauthorized, forbidden]),
    ]
}

extension OpenAPIRoutes {
    static let operations: [OpenAPIOperation] = [
        Op("get", "/openapi.json", summary: "This document", scope: nil, responses: [("200", "OpenAPI 3.1", json, "")]),
    ]
}
