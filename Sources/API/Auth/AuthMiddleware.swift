import Host
import Hummingbird
import HTTPTypes

/// Decides each request's `Principal` from its `Authorization` header:
/// `Bearer KEY`, `Token KEY` (InfluxDB v2 clients) or Basic with the key as password
/// (InfluxDB v1 clients such as Telegraf's `influxdb` output with username/password).
/// An unknown key is refused at once with 401; no key leaves the request anonymous (or a
/// local reader with `auth = "localhost_open"`), and the route decides with `require`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let api: APIContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(request) {
            guard let key = api.keys.key(forToken: token) else {
                context.logger.warning("request with an unknown API key refused",
                                       metadata: ["nazar_event": "api_auth_refused", "path": "\(request.uri.path)",
                                                  "peer": "\(context.remoteAddress?.description ?? "-")"])
                throw APIError.unauthorized("unknown API key")
            }
            context.principal = .key(key)
        } else if api.settings.auth == .localhostOpen && context.isLoopbackPeer {
            context.principal = .localReader
        }
        return try await next(request, context)
    }

    /// The key text from the Authorization header, if any.
    static func token(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        for scheme in ["Bearer ", "Token "] where header.hasPrefix(scheme) {
            let t = header.dropFirst(scheme.count).trimmingSpaces
            return t.isEmpty ? nil : t
        }
        if header.hasPrefix("Basic "), let decoded = Base64.decode(String(header.dropFirst(6)).trimmingSpaces),
           let colon = decoded.firstIndex(of: UInt8(ascii: ":")) {
            let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
            return password.isEmpty ? nil : password
        }
        return nil
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension String {
    var trimmingSpaces: String { Substring(self).trimmingSpaces }
}

/// Standard base64 decoding (for Basic auth only).
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - 97 + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - 48 + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = buffer << 6 | v
            bits += 6
            if bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
            }
        }
        return out
    }
}
