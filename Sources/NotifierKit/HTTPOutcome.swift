import PluginKit

/// The delivery rule every HTTP notifier follows, in one place:
///
/// - 2xx: delivered;
/// - 408, 425, 429 and 5xx: transient, with the server's `Retry-After` as the minimum delay;
/// - any other status (401/403 bad token, 404 unknown webhook, 400 bad payload, 3xx):
///   permanent, naming the status and a short excerpt of the body.
public enum HTTPOutcome {
    /// Throws the `PluginError` for a non-2xx response. `service` names the peer in the
    /// message ("Slack", "Telegram"); `secrets` are removed from the body excerpt.
    /// `nowSeconds` resolves an HTTP-date Retry-After; `retryAfterFromBody` supplies a
    /// delay from the body when the API puts it there (Telegram's `parameters.retry_after`).
    public static func check(_ response: HTTPResponse, service: String, secrets: [String], nowSeconds: Int64,
                             retryAfterFromBody: Int64? = nil) throws(PluginError) {
        guard !(200...299).contains(response.status) else { return }
        let excerpt = Redact.excerpt(Redact.removing(secrets, from: response.bodyText))
        var message = "\(service) answered HTTP \(response.status)"
        if !excerpt.isEmpty { message += ": \(excerpt)" }
        if isTransient(response.status) {
            let header = response.retryAfter.flatMap { RetryAfter.milliseconds($0, nowSeconds: nowSeconds) }
            let delay = header ?? retryAfterFromBody ?? 0
            if delay > 0 { message += " (retry after \(delay) ms)" }
            throw .transient(message, retryAfterMilliseconds: delay)
        }
        throw PluginError(message)
    }

    /// Whether a status means "try again later".
    public static func isTransient(_ status: Int) -> Bool {
        status == 408 || status == 425 || status == 429 || (500...599).contains(status)
    }
}
