/// One documented route of `/openapi.json`. Areas list theirs next to their routes'
/// registration (`XRoutes.operations`); `OpenAPIDocument.operations` gathers them, and a
/// test checks that every registered route is documented.
public struct OpenAPIOperation: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        /// "query", "path" or "header".
        public var location: String
        public var required: Bool
        public var description: String
        /// JSON schema type: string, integer, number, boolean.
        public var type: String

        public init(_ name: String, in location: String = "query", required: Bool = false, type: String = "string", _ description: String) {
            self.name = name
            self.location = location
            self.required = required
            self.description = description
            self.type = type
        }
    }

    /// Lowercase HTTP method.
    public var method: String
    /// OpenAPI path template (`/api/v1/silences/{id}`).
    public var path: String
    public var summary: String
    public var description: String
    /// The API key scope needed; nil for open routes.
    public var scope: String?
    public var parameters: [Parameter]
    /// Request body media types with a JSON schema (as JSON text) each.
    public var requestBody: [(String, String)]
    /// Status code → (description, media type, JSON schema text or "").
    public var responses: [(String, String, String, String)]

    public init(_ method: String, _ path: String, summary: String, description: String = "", scope: String?,
                parameters: [Parameter] = [], requestBody: [(String, String)] = [],
                responses: [(String, String, String, String)]) {
        self.method = method
        self.path = path
        self.summary = summary
        self.description = description
        self.scope = scope
        self.parameters = parameters
        self.requestBody = requestBody
        self.responses = responses
    }
}

/// Schemas shared by several operations (JSON text, referenced as `#/components/schemas/X`).
enum OpenAPISchemas {
    static let all: [(String, String)] = [
        ("Error", #"{"type":"object","required":["error"],"properties":{"error":{"type":"string"}}}"#),
        ("IngestRefused", #"{"type":"object","required":["error","accepted","refused"],"properties":{"error":{"type":"string"},"line":{"type":"integer"},"column":{"type":"integer"},"accepted":{"type":"integer"},"refused_count":{"type":"integer"},"refused":{"type":"array","items":{"type":"object","properties":{"index":{"type":"integer"},"line":{"type":"integer"},"column":{"type":"integer"},"reason":{"type":"string"}}}}}}"#),
        ("IngestBatch", #"{"type":"object","required":["points"],"properties":{"points":{"type":"array","items":{"type":"object","required":["metric","value"],"properties":{"metric":{"type":"string","examples":["cpu.total"]},"labels":{"type":"object","additionalProperties":{"type":"string"}},"value":{"type":"number"},"timestamp":{"type":"integer","description":"nanoseconds since the epoch; default: receive time"}}}}}}"#),
        ("Series", #"{"type":"object","properties":{"id":{"type":"integer"},"metric":{"type":"string"},"labels":{"type":"object","additionalProperties":{"type":"string"}}}}"#),
        ("Alert", #"{"type":"object","properties":{"id":{"type":"integer"},"fingerprint":{"type":"string"},"rule":{"type":"string"},"severity":{"type":"string"},"state":{"type":"string"},"labels":{"type":"object","additionalProperties":{"type":"string"}},"summary":{"type":"string"},"value":{"type":["number","null"]},"starts_at":{"type":"integer"},"timestamp":{"type":"integer"},"source":{"type":"string"}}}"#),
        ("Silence", #"{"type":"object","properties":{"id":{"type":"integer"},"matchers":{"type":"string"},"starts_at":{"type":"integer"},"ends_at":{"type":"integer"},"created_by":{"type":"string"},"comment":{"type":"string"}}}"#),
    ]

    static func ref(_ name: String) -> String { ##"{"$ref":"#/components/schemas/\##(name)"}"## }
    static func object(_ members: String) -> String { #"{"type":"object","properties":{\#(members)}}"# }
    static func arrayOf(_ item: String) -> String { #"{"type":"array","items":\#(item)}"# }
}
