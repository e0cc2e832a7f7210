import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Renders one log record as one logfmt line:
/// `ts=2026-11-23T11:40:00.123Z level=info msg="plugin loaded" nazar_plugin=collector-system`.
///
/// Keys are lower-case; nested metadata keys join with `.`. Values are quoted when they are empty
/// or contain a space, `=`, `"`, `\` or a control character; inside quotes `"`, `\`, newline,
/// carriage return and tab are backslash-escaped and other control characters become `\u00XX`,
/// so a record never spans two lines. Pure functions.
enum LogfmtFormatter {
    /// The full line for a record, without the trailing newline.
    static func line(
        time: timespec,
        level: Logger.Level,
        message: String,
        fields: [FlatMetadataField]
    ) -> String {
        var line = "ts=" + timestamp(time)
        line += " level=" + level.rawValue
        line += " msg=" + value(message)
        for field in fields {
            line += " " + key(field.path) + "=" + value(field.values.joined(separator: ","))
        }
        return line
    }

    /// A logfmt key for a metadata path: lower-cased, joined with `.`; characters that would end
    /// the key or break parsing (space, `=`, `"`, controls) become `_`.
    static func key(_ path: [String]) -> String {
        let joined = path.joined(separator: ".").lowercased()
        guard !joined.isEmpty else { return "_" }
        var key = ""
        for scalar in joined.unicodeScalars {
            if scalar == " " || scalar == "=" || scalar == "\"" || scalar.properties.generalCategory == .control {
                key.unicodeScalars.append("_")
            } else {
                key.unicodeScalars.append(scalar)
            }
        }
        return key
    }

    /// A logfmt value, quoted and escaped when it has to be.
    static func value(_ text: String) -> String {
        guard needsQuoting(text) else { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default:
                if scalar.properties.generalCategory == .control {
                    quoted += "\\u" + hex4(scalar.value)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    private static func needsQuoting(_ text: String) -> Bool {
        if text.isEmpty { return true }
        return text.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\"
                || scalar.properties.generalCategory == .control
        }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-23T11:40:00.123Z`.
    static func timestamp(_ time: timespec) -> String {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = Int(time.tv_nsec) / 1_000_000
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-"
            + pad(Int(parts.tm_mday), 2) + "T" + pad(Int(parts.tm_hour), 2) + ":"
            + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2) + "."
            + pad(milliseconds, 3) + "Z"
    }

    private static func pad(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
