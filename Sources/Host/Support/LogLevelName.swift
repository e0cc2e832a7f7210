import Logging

/// The log level words nazar.toml and the command line accept.
public enum LogLevelName {
    public static func parse(_ word: String) -> Logger.Level {
        switch word {
        case "trace": return .trace
        case "debug": return .debug
        case "notice": return .notice
        case "warning": return .warning
        case "error": return .error
        case "critical": return .critical
        default: return .info
        }
    }
}
