// The documentation of the stream and dashboard routes (see DocumentedOperations.swift).

extension StreamRoutes {
    static let operations: [OpenAPIOperation] = [
        OpenAPIOperation(
            "get", "/api/v1/stream", summary: "Live points and alert changes (Server-Sent Events)",
            description: "text/event-stream. `event: points`: data is a JSON array of {metric, labels, value, timestamp (ns)} "
                + "of the matched series, batched about every 250 ms; `event: alert` (with alerts=1): one alert object "
                + "when it fires or resolves; `: heartbeat` comments every 15 s; `event: reset` when Last-Event-ID is older "
                + "than the server still holds (about 60 s or 100,000 events): re-query the range, then carry on. Every "
                + "event has an `id:` increasing per server. A client that falls more than 8 MiB behind is disconnected.",
            scope: "read",
            parameters: [
                .init("match", "Label matchers, e.g. {host=\"web1\"} (alerts are matched on their labels, __name__ ignored)"),
                .init("alerts", "1 or true: include alert changes"),
                .init("Last-Event-ID", in: "header", "Resume after this event id (browsers send it on reconnect)"),
                .init("last_event_id", type: "integer", "The same, for clients that cannot set headers"),
            ],
            responses: [("200", "The event stream", "text/event-stream", #"{"type":"string"}"#),
                        ("400", "Bad match, alerts or Last-Event-ID", "application/json", OpenAPISchemas.ref("Error")),
                        ("401", "No key (and not a local reader)", "application/json", OpenAPISchemas.ref("Error")),
                        ("403", "The key lacks the scope", "application/json", OpenAPISchemas.ref("Error"))]),
    ]
}

extension DashboardRoutes {
    static let operations: [OpenAPIOperation] = [
        OpenAPIOperation("get", "/", summary: "The dashboard (index.html)", scope: nil,
                         responses: [("200", "HTML", "text/html", ""), ("404", "Dashboard files not installed", "application/json", "")]),
    ] + (1...3).map { depth in
        let names = (1...depth).map { "p\($0)" }
        return OpenAPIOperation("get", "/dashboard/" + names.map { "{\($0)}" }.joined(separator: "/"),
                                summary: "The dashboard's scripts and styles (\(depth) path segment\(depth == 1 ? "" : "s"))", scope: nil,
                                parameters: names.map { .init($0, in: "path", required: true, "A path segment under the dashboard directory") },
                                responses: [("200", "The file", "text/javascript", ""), ("404", "No such file", "application/json", "")])
    } + [
        OpenAPIOperation("get", "/static/chart.js", summary: "Chart.js, from Debian's libjs-chart.js", scope: nil,
                         responses: [("200", "Chart.js (UMD build)", "text/javascript", ""),
                                     ("404", "libjs-chart.js not installed", "application/json", "")]),
    ]
}
