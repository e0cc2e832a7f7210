import TOMLKit

/// A parsed TOML value as plain Swift data. TOMLKit's tables and arrays are classes around
/// C++ nodes that are not `Sendable`; copying them out right after parsing keeps TOMLKit
/// at the edge of this one file.
indirect enum TOMLNode: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// Dates and times keep their ISO-8601 spelling: they only ever go on into JSON.
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
struct TOMLSyntaxError: Error, Sendable {
    var line: Int?
    var message: String
}

enum TOMLDocument {
    /// Parses a whole document into its root table.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> [String: TOMLNode] {
        // TOML allows no control character but tab, LF and CR anywhere (in strings they
        // must be escaped). Refuse them here, with their line, before toml++ sees them:
        // TOMLKit hands the text to C++ as a C string, which would silently end at a NUL,
        // and toml++ 3 trips its own assertion (abort()) on one after "[" (found by
        // fuzz-config, fuzz/corpus/fuzz-config/regression-control-character-in-table-header).
        if let bad = text.utf8.firstIndex(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F }) {
            let line = text.utf8[..<bad].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            let code = text.utf8[bad]
            let hex = String(code, radix: 16, uppercase: true)
            throw TOMLSyntaxError(line: line, message: code == 0 ? "NUL character in file"
                : "control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) in file (TOML allows only tab, LF and CR)")
        }
        switch TOMLHeaderCheck.firstProblem(text) {
        case let .headerWithoutName(line):
            throw TOMLSyntaxError(line: line, message: "a table header needs a name right after '[' (a key or a quoted key)")
        case let .dateTimeWithoutTime(line):
            throw TOMLSyntaxError(line: line, message: "a date followed by 'T' needs a time (HH:MM:SS)")
        case let .loneDigitAfterValue(line):
            throw TOMLSyntaxError(line: line, message: "a value followed by a space and one digit (a date and its time, separated by a space, need HH:MM:SS)")
        case let .mismatchedBracket(line):
            throw TOMLSyntaxError(line: line, message: "a closing bracket does not match its opening one ('[' closes with ']', '{' with '}')")
        case nil:
            break
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            throw TOMLSyntaxError(line: line > 0 ? line : nil, message: error.description)
        } catch {
            throw TOMLSyntaxError(line: nil, message: "\(error)")
        }
        return convert(table)
    }

    private static func convert(_ table: TOMLTable) -> [String: TOMLNode] {
        // keys and values come back in the same (toml++ map) order.
        let keys = table.keys
        let values = table.values
        var out: [String: TOMLNode] = [:]
        out.reserveCapacity(keys.count)
        for (key, value) in zip(keys, values) {
            out[key] = convert(value)
        }
        return out
    }

    private static func convert(_ value: TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(Int64(value.int ?? 0))
        case .double: return .float(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .date: return .date(value.date.map(iso) ?? "")
        case .time: return .time(value.time.map(iso) ?? "")
        case .dateTime: return .dateTime(value.dateTime.map(iso) ?? "")
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array:
            guard let array = value.array else { return .array([]) }
            return .array(array.map { convert($0) })
        }
    }

    static func iso(_ date: TOMLDate) -> String {
        pad(date.year, 4) + "-" + pad(date.month, 2) + "-" + pad(date.day, 2)
    }

    static func iso(_ time: TOMLTime) -> String {
        var text = pad(time.hour, 2) + ":" + pad(time.minute, 2) + ":" + pad(time.second, 2)
        if time.nanoSecond > 0 {
            var fraction = pad(time.nanoSecond, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }

    static func iso(_ dateTime: TOMLDateTime) -> String {
        var text = iso(dateTime.date) + "T" + iso(dateTime.time)
        if let offset = dateTime.offset?.offset {
            if offset == 0 {
                text += "Z"
            } else {
                let minutes = abs(offset)
                text += (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
            }
        }
        return text
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
