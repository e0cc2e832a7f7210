/// The OpenAPI 3.1 document served at `/openapi.json`, written by hand from each area's
/// `operations` so it says what the routes really do (scopes, formats, error shapes).
public enum OpenAPIDocument {
    /// Every documented operation. Add an area's list here when adding its routes.
    public static var operations: [OpenAPIOperation] {
        HealthRoutes.operations + IngestRoutes.operations + ReadRoutes.operations + AlertRoutes.operations
            + MetricsRoutes.operations + OpenAPIRoutes.operations
    }

    /// The document as JSON text.
    public static func render(version: String = "1.0") -> [UInt8] {
        var w = JSONWriter(capacity: 32 << 10)
        w.objectStart()
        w.key("openapi"); w.string("3.1.0")
        w.key("info"); w.objectStart()
        w.key("title"); w.string("Nazar HTTP API")
        w.key("version"); w.string(version)
        w.key("description"); w.string("Push ingest (JSON and InfluxDB line protocol), reads of stored series and alerts, silences, and nazard's own health and metrics. Keys: `nazarctl keys add`; send `Authorization: Bearer KEY` (or `Token KEY`, or Basic with the key as password).")
        w.objectEnd()
        var byPath: [String: [OpenAPIOperation]] = [:]
        var order: [String] = []
        for op in operations {
            if byPath[op.path] == nil { order.append(op.path) }
            byPath[op.path, default: []].append(op)
        }
        w.key("paths"); w.objectStart()
        for path in order {
            w.key(path); w.objectStart()
            for op in byPath[path] ?? [] { writeOperation(&w, op) }
            w.objectEnd()
        }
        w.objectEnd()
        w.key("components"); w.objectStart()
        w.key("schemas"); w.objectStart()
        for (name, schema) in OpenAPISchemas.all { w.key(name); w.rawValue(schema) }
        w.objectEnd()
        w.key("securitySchemes"); w.objectStart()
        w.key("bearer"); w.objectStart(); w.key("type"); w.string("http"); w.key("scheme"); w.string("bearer"); w.objectEnd()
        w.objectEnd()
        w.objectEnd()
        w.objectEnd()
        return w.bytes
    }

    private static func writeOperation(_ w: inout JSONWriter, _ op: OpenAPIOperation) {
        w.key(op.method); w.objectStart()
        w.key("summary"); w.string(op.summary)
        if !op.description.isEmpty { w.key("description"); w.string(op.description) }
        w.key("operationId"); w.string(operationID(op))
        if let scope = op.scope {
            w.key("security"); w.arrayStart(); w.objectStart(); w.key("bearer"); w.arrayStart(); w.string(scope); w.arrayEnd(); w.objectEnd(); w.arrayEnd()
        } else {
            w.key("security"); w.arrayStart(); w.arrayEnd()
        }
        if !op.parameters.isEmpty {
            w.key("parameters"); w.arrayStart()
            for p in op.parameters {
                w.objectStart()
                w.key("name"); w.string(p.name)
                w.key("in"); w.string(p.location)
                w.key("required"); w.bool(p.required || p.location == "path")
                w.key("description"); w.string(p.description)
                w.key("schema"); w.objectStart(); w.key("type"); w.string(p.type); w.objectEnd()
                w.objectEnd()
            }
            w.arrayEnd()
        }
        if !op.requestBody.isEmpty {
            w.key("requestBody"); w.objectStart()
            w.key("required"); w.bool(true)
            w.key("content"); w.objectStart()
            for (type, schema) in op.requestBody { w.key(type); w.objectStart(); w.key("schema"); w.rawValue(schema); w.objectEnd() }
            w.objectEnd()
            w.objectEnd()
        }
        w.key("responses"); w.objectStart()
        for (code, description, type, schema) in op.responses {
            w.key(code); w.objectStart()
            w.key("description"); w.string(description)
            if !type.isEmpty {
                w.key("content"); w.objectStart(); w.key(type); w.objectStart()
                if !schema.isEmpty { w.key("schema"); w.rawValue(schema) }
                w.objectEnd(); w.objectEnd()
            }
            w.objectEnd()
        }
        w.objectEnd()
        w.objectEnd()
    }

    /// `get /api/v1/silences/{id}` → `get_api_v1_silences_id`.
    static func operationID(_ op: OpenAPIOperation) -> String {
        op.method + String(op.path.map { $0.isLetter || $0.isNumber ? $0 : "_" }).replacingDoubleUnderscores
    }
}

extension String {
    fileprivate var replacingDoubleUnderscores: String {
        var out = ""
        for c in self where !(c == "_" && out.last == "_") { out.append(c) }
        while out.last == "_" { out.removeLast() }
        return out
    }
}
