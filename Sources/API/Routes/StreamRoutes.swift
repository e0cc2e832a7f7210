import Host
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/stream?match={…}&alerts=1`: Server-Sent Events of the points of the
/// matched series (`event: points`, batched by the hub every ~250 ms), alert changes
/// (`event: alert`, with `alerts=1`), `: heartbeat` comments, and `event: reset` when a
/// `Last-Event-ID` (header, or `last_event_id` in the query for clients that cannot set
/// headers) is older than the hub still holds. Read scope.
enum StreamRoutes {
    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!

    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        router.get("/api/v1/stream") { request, context in
            try context.require(.read)
            let matchers = try ReadRoutes.matchers(request)
            let alerts = try flag(request.query("alerts"), field: "alerts")
            let lastText = request.headers[lastEventIDHeader] ?? request.query("last_event_id")
            var lastEventID: UInt64?
            if let lastText, !lastText.isEmpty {
                guard let id = UInt64(lastText) else {
                    throw APIError.badRequest("Last-Event-ID '\(lastText)' is not an event id (a decimal number)")
                }
                lastEventID = id
            }
            let hub = api.stream
            guard hub.startIfNeeded() else { throw APIError.unavailable("the stream cannot start its threads") }
            let client = hub.connect(matchers: matchers, includeAlerts: alerts, lastEventID: lastEventID)
            let headers: HTTPFields = [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                // nginx and similar proxies would otherwise buffer the stream.
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                defer { hub.disconnect(client) }
                while let bytes = await client.next() {
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
                try await writer.finish(nil)
            })
        }
    }

    /// `1`/`true`/`0`/`false`/absent.
    static func flag(_ text: String?, field: String) throws(APIError) -> Bool {
        switch text {
        case nil, "0", "false": return false
        case "1", "true": return true
        case let other?: throw APIError.badRequest("\(field)='\(other)' is not 1, true, 0 or false")
        }
    }
}
