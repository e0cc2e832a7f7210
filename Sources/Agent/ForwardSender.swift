import NotifierKit
import PluginKit

/// What became of one POST of a batch to the central nazard.
enum ForwardOutcome: Equatable {
    /// 202: every point is on the central bus.
    case accepted
    /// 400 for a partial batch: `accepted` points were taken, the rest can never be; the
    /// batch is done.
    case partlyRefused(accepted: Int, reason: String)
    /// A batch the central one will never take (413, other 4xx): drop it, say why.
    case rejected(status: Int, reason: String)
    /// Try again later: transport errors, 5xx, 401/403 (a key may be fixed), 429.
    /// `retryAfter` (seconds) when the server said.
    case retry(reason: String, retryAfter: Int?)
}

/// POSTs gzip'd JSON batches to `<forward_to>/api/v1/ingest` with the agent's key, over
/// one reused libcurl handle (keep-alive). Threading: the forwarder's sending thread only.
final class ForwardSender {
    let url: String
    private let key: String
    private let client: HTTPClient

    init(baseURL: String, key: String, timeout: Duration, caFile: String?) throws(PluginError) {
        url = baseURL + "/api/v1/ingest"
        self.key = key
        let ms = Int(max(100, timeout.nanoseconds / 1_000_000))
        client = try HTTPClient(options: TransportOptions(timeoutMilliseconds: ms, caFile: caFile))
    }

    func send(_ gzipBody: [UInt8]) -> ForwardOutcome {
        let response: HTTPResponse
        do {
            response = try client.post(url: url, headers: [
                "Content-Type: application/json", "Content-Encoding: gzip", "Authorization: Bearer \(key)",
            ], body: gzipBody)
        } catch {
            return .retry(reason: "\(error)", retryAfter: nil)
        }
        return Self.classify(status: response.status, body: response.bodyText, retryAfter: response.retryAfter)
    }

    static func classify(status: Int, body: String, retryAfter: String?) -> ForwardOutcome {
        let reason = "HTTP \(status): \(body.prefix(300))"
        switch status {
        case 200..<300:
            return .accepted
        case 400:
            // {"error":…,"accepted":N,…}: the good points went in; the batch is done.
            return .partlyRefused(accepted: acceptedCount(body) ?? 0, reason: reason)
        case 401, 403:
            return .retry(reason: "\(reason) (check [agent] key_file: the key needs the ingest scope)", retryAfter: nil)
        case 408, 429, 500...:
            return .retry(reason: reason, retryAfter: retryAfter.flatMap { Int($0.trimmingSpaces) })
        default:
            return .rejected(status: status, reason: reason)
        }
    }

    /// The `"accepted":N` member of an ingest answer.
    static func acceptedCount(_ body: String) -> Int? {
        guard let r = body.firstRange(of: #""accepted":"#) else { return nil }
        return Int(body[r.upperBound...].prefix { $0.isNumber })
    }
}

private extension String {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
