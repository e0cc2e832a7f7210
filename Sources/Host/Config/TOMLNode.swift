/// A parsed TOML value as plain Swift data.
indirect enum TOMLNode: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// Dates and times keep their ISO-8601 spelling: they only ever go on into JSON.
    /// The spelling is normalised (`TOMLDateTimeParsing` says how), so equal instants
    /// written differently compare equal.
    case date(String)
    case time(String)
    case dateTime(String)
    case array([TOMLNode])
    case table([String: TOMLNode])

    /// The type's name as admins read it in TOML, for "expected …, got …" messages.
    var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .bool: return "boolean"
        case .date: return "date"
        case .time: return "time"
        case .dateTime: return "date-time"
        case .array: return "array"
        case .table: return "table"
        }
    }
}

/// A TOML syntax error with its 1-based position.
struct TOMLSyntaxError: Error, Sendable, Equatable {
    var line: Int?
    var message: String
}

enum TOMLDocument {
    /// Parses a whole document (TOML v1.0.0) into its root table.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> [String: TOMLNode] {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }
}
