import Host

/// Host's `QueryTime` for request parameters and body fields: the same spellings as
/// `nazarctl query`, and a malformed value is a 400 whose message names the field
/// (`from: 'yesterday' is not a time: …`).
enum RequestTime {
    /// Nanoseconds since the epoch (see `QueryTime.parse`).
    static func parse(_ text: String, now: Int64, field: String) throws(APIError) -> Int64 {
        do {
            return try QueryTime.parse(text, now: now, field: field)
        } catch {
            throw APIError(storageError: error)
        }
    }

    /// A positive duration in nanoseconds (see `QueryTime.duration`).
    static func duration(_ text: String, field: String) throws(APIError) -> Int64 {
        do {
            return try QueryTime.duration(text, field: field)
        } catch {
            throw APIError(storageError: error)
        }
    }
}
