import Host
import Hummingbird
import NIOCore

/// Per-request state: where the request came from and who it was authenticated as.
///
/// Created by Hummingbird for each request; `principal` is filled by `AuthMiddleware`
/// before any route runs.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address; nil when the transport has none (in-process tests).
    public let remoteAddress: SocketAddress?
    /// Who is calling; `.anonymous` until the auth middleware ran.
    public var principal: Principal = .anonymous

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// True for a peer on 127.0.0.0/8 or ::1.
    public var isLoopbackPeer: Bool {
        guard let ip = remoteAddress?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    /// Throws 401 (no key) or 403 (key without the scope) unless the caller holds `scope`
    /// (admin holds every scope). Each refusal is logged with the key id, never the key.
    public func require(_ scope: APIScope) throws(APIError) {
        let refusal: APIError
        switch principal {
        case .anonymous:
            refusal = .unauthorized("this route needs an API key with the '\(scope.rawValue)' scope (Authorization: Bearer KEY)")
        case .localReader:
            if scope == .read { return }
            refusal = .unauthorized("localhost requests without a key may only read; '\(scope.rawValue)' needs an API key")
        case let .key(key):
            if key.scopes.contains(scope) || key.scopes.contains(.admin) { return }
            refusal = .forbidden("key \(key.id) lacks the '\(scope.rawValue)' scope")
        }
        logger.warning("request refused: \(refusal.message)",
                       metadata: ["nazar_event": "api_auth_refused", "key_id": "\(principal.logID)",
                                  "path": "\(endpointPath ?? "-")", "peer": "\(remoteAddress?.description ?? "-")"])
        throw refusal
    }
}
