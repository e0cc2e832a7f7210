import Hummingbird
import IngestFormat

/// Push ingest: Nazar's `/api/v1/ingest` (JSON or line protocol by Content-Type) and the
/// InfluxDB endpoints Telegraf and InfluxDB clients write to unchanged (`/write` v1,
/// `/api/v2/write` v2, plus `/ping` and the `CREATE DATABASE` that v1 clients send first).
enum IngestRoutes {
    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        let handler = IngestHandler(api: api)
        router.post("/api/v1/ingest") { request, context in
            try context.require(.ingest)  // 401/403 before any complaint about the body
            let format = try ingestFormat(request)
            return try await handler.handle(request, context, format: format, dialect: .nazar)
        }
        router.post("/write") { request, context in
            try await handler.handle(request, context, format: .lineProtocol(try precision(request)), dialect: .influx)
        }
        router.post("/api/v2/write") { request, context in
            try await handler.handle(request, context, format: .lineProtocol(try precision(request)), dialect: .influx)
        }
        router.get("/ping") { _, _ in Response(status: .noContent, headers: [.init("X-Influxdb-Version")!: "1.8-nazar"]) }
        router.head("/ping") { _, _ in Response(status: .noContent, headers: [.init("X-Influxdb-Version")!: "1.8-nazar"]) }
        // InfluxDB v1 clients create their database before writing; there is nothing to create.
        router.post("/query") { request, context in
            try context.require(.ingest)
            let q = request.uri.queryParameters["q"].map(String.init) ?? ""
            guard q.uppercased().hasPrefix("CREATE DATABASE") else {
                throw APIError.badRequest("only CREATE DATABASE is supported on /query (use /api/v1/query to read)")
            }
            return jsonResponse(.ok) { w in
                w.objectStart(); w.key("results"); w.arrayStart(); w.objectStart(); w.key("statement_id"); w.int(0)
                w.objectEnd(); w.arrayEnd(); w.objectEnd()
            }
        }
    }

    /// JSON for `application/json`, line protocol for `text/plain` or no Content-Type
    /// (InfluxDB clients often send none), 415 otherwise.
    static func ingestFormat(_ request: Request) throws -> IngestHandler.Format {
        let precisionValue = try precision(request)
        guard let type = request.headers[.contentType]?.lowercased() else { return .lineProtocol(precisionValue) }
        if type.hasPrefix("application/json") { return .json }
        if type.hasPrefix("text/plain") || type.hasPrefix("application/x-influx") || type.hasPrefix("application/octet-stream") {
            return .lineProtocol(precisionValue)
        }
        throw APIError(.unsupportedMediaType, "Content-Type '\(type)' is not supported: use application/json or text/plain (InfluxDB line protocol)")
    }

    static func precision(_ request: Request) throws -> TimePrecision {
        guard let text = request.uri.queryParameters["precision"].map(String.init), !text.isEmpty else { return .ns }
        guard let p = TimePrecision(influx: text) else {
            throw APIError.badRequest("precision '\(text)' is not one of ns, us, ms, s")
        }
        return p
    }
}
