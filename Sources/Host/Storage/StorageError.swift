/// Why a storage operation failed. Every case says which backend and what it was doing,
/// so a log line alone explains the failure.
public enum StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database cannot be reached or the connection broke; the writer retries.
    case unavailable(backend: String, operation: String, reason: String)
    /// The database refused a statement (schema, constraint, syntax).
    case statementFailed(backend: String, operation: String, reason: String)
    /// A caller passed something the store cannot accept (bad matcher, bad range).
    case invalidArgument(field: String, reason: String)
    /// The stored schema is newer than this build understands.
    case schemaTooNew(backend: String, found: Int, supported: Int)

    public var description: String {
        switch self {
        case let .unavailable(backend, operation, reason):
            return "\(backend): \(operation): database unavailable: \(reason)"
        case let .statementFailed(backend, operation, reason):
            return "\(backend): \(operation): \(reason)"
        case let .invalidArgument(field, reason):
            return "\(field): \(reason)"
        case let .schemaTooNew(backend, found, supported):
            return "\(backend): schema version \(found) is newer than this build supports (\(supported)); upgrade nazar"
        }
    }

    /// True when retrying later (after reconnecting) may succeed.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
