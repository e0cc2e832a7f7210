/// The `[storage]` section of nazar.toml.
public struct StorageSettings: Sendable, Equatable {
    public enum Backend: String, Sendable, CaseIterable {
        case sqlite, postgresql, none
    }

    public var backend: Backend
    /// The SQLite file; nil means `<state_directory>/nazar.db`.
    public var path: String?
    /// libpq connection string (`host=… dbname=…` or a `postgresql://` URI).
    public var dsn: String?
    /// A file whose first line is the DSN, so the password can stay out of nazar.toml.
    public var dsnFile: String?
    public var retention: StorageRetention
    /// Points the writer holds while the database is unreachable; when full the writer
    /// stops taking from the bus, whose queue then applies back-pressure.
    public var bufferPoints: Int
    /// How often roll-ups and retention run.
    public var rollupInterval: Duration

    public init(backend: Backend = .sqlite, path: String? = nil, dsn: String? = nil, dsnFile: String? = nil,
                retention: StorageRetention = StorageRetention(), bufferPoints: Int = 1_000_000,
                rollupInterval: Duration = .seconds(60)) {
        self.backend = backend
        self.path = path
        self.dsn = dsn
        self.dsnFile = dsnFile
        self.retention = retention
        self.bufferPoints = bufferPoints
        self.rollupInterval = rollupInterval
    }

    public static let defaults = StorageSettings()
    /// Allowed `buffer_points`.
    public static let bufferPointsRange = 10_000...100_000_000

    /// The SQLite file to use under `stateDirectory`.
    public func sqlitePath(stateDirectory: String) -> String {
        path ?? "\(stateDirectory)/nazar.db"
    }
}
