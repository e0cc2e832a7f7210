import Hummingbird
import Host

extension JSONWriter {
    /// `{"k":"v",…}` for stored labels.
    mutating func labels(_ labels: [StoredSeries.Label]) {
        objectStart()
        for l in labels { key(l.key); string(l.value) }
        objectEnd()
    }

    /// `{"id":…,"metric":…,"labels":{…}}` members of a stored series (inside an open object).
    mutating func seriesMembers(_ s: StoredSeries) {
        key("id"); int(s.id)
        key("metric"); string(s.metric)
        key("labels"); labels(s.labels)
    }
}

extension APIContext {
    /// Runs a storage call (it blocks briefly: the stores serialise their connection) and
    /// maps its errors to HTTP: 503 when the store is unreachable, 400 for bad arguments,
    /// 500 otherwise.
    func withStorage<T: Sendable>(_ body: @escaping @Sendable (any Storage) throws(StorageError) -> T) async throws -> T {
        let storage = try self.storage()
        do {
            return try body(storage)
        } catch {
            throw APIError(storageError: error)
        }
    }
}

extension APIError {
    init(storageError error: StorageError) {
        switch error {
        case .unavailable: self = APIError.unavailable("\(error)")
        case .invalidArgument: self = APIError.badRequest("\(error)")
        default: self = APIError(.internalServerError, "\(error)")
        }
    }
}

/// Query-string helpers.
extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }
}

