import Hummingbird
import HTTPTypes
import NIOCore

/// An error a route answers with: a status, a message and, for 429, when to retry.
/// The body is `{"error":"message"}` (plus `extra` JSON members when set), the shape every
/// route of the API uses.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Seconds for a Retry-After header.
    public var retryAfter: Int?
    /// Pre-rendered JSON members appended to the error object (`"line":3`).
    public var extra: String = ""

    public init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil, extra: String = "") {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
        self.extra = extra
    }

    public var description: String { "\(status.code) \(message)" }

    public static func badRequest(_ m: String, extra: String = "") -> APIError { APIError(.badRequest, m, extra: extra) }
    public static func unauthorized(_ m: String) -> APIError { APIError(.unauthorized, m) }
    public static func forbidden(_ m: String) -> APIError { APIError(.forbidden, m) }
    public static func notFound(_ m: String) -> APIError { APIError(.notFound, m) }
    public static func tooLarge(_ m: String) -> APIError { APIError(.contentTooLarge, m) }
    public static func unavailable(_ m: String) -> APIError { APIError(.serviceUnavailable, m) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var w = JSONWriter()
        w.objectStart()
        w.key("error"); w.string(message)
        w.raw(extra)
        w.objectEnd()
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"nazar\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: w.bytes)))
    }
}
