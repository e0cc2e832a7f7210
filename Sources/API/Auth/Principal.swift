import Host

/// Who a request acts as, decided once per request by `AuthMiddleware`.
public enum Principal: Sendable {
    /// No key, and not entitled to anything but the open routes.
    case anonymous
    /// No key, from loopback, with `auth = "localhost_open"`: read scope only.
    case localReader
    /// A valid key.
    case key(APIKey)

    /// The key id for logs (`-` without a key); never the key itself.
    public var logID: String {
        if case let .key(k) = self { return k.id }
        return "-"
    }

    /// The key, if the request carried one.
    public var key: APIKey? {
        if case let .key(k) = self { return k }
        return nil
    }
}
