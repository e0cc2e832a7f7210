/// Delay before the next attempt of a notification: exponential from `retryMin`, capped at
/// `retryMax`, with full jitter (uniform between `retryMin` and the cap, so a fleet of
/// retries spreads out), and never sooner than the plugin's Retry-After.
public enum DeliveryBackoff {
    /// `attempt` counts attempts made so far (1 after the first failure).
    public static func delay(attempt: Int, retryAfterMilliseconds: Int64, settings: OutboxSettings,
                             random: (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }) -> Int64 {
        let floor = max(1, settings.retryMin.nanoseconds)
        let ceiling = max(floor, settings.retryMax.nanoseconds)
        let shift = min(max(attempt - 1, 0), 40)
        let cap = floor > ceiling >> shift ? ceiling : min(ceiling, floor << shift)
        return max(random(floor...cap), retryAfterMilliseconds * 1_000_000)
    }
}
