import Hummingbird
import IngestFormat
import NIOCore

/// Reads a request body whole, refusing more than `limit` bytes with 413 (before and after
/// gzip decoding, so a small compressed body cannot expand past the limit).
enum RequestBody {
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.tooLarge("request body of \(length) bytes is over the limit of \(limit) ([http] max_body_bytes)")
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.tooLarge("request body is over the limit of \(limit) bytes ([http] max_body_bytes)")
        }
        guard let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" else { return buffer }
        guard encoding == "gzip" || encoding == "x-gzip" else {
            throw APIError(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported (use gzip or none)")
        }
        do throws(GzipError) {
            let decoded = try buffer.withUnsafeReadableBytes { raw throws(GzipError) in try GzipCodec.decompress(raw, limit: limit) }
            buffer = ByteBuffer(bytes: decoded)
        } catch {
            if case .tooLarge = error { throw APIError.tooLarge("\(error) ([http] max_body_bytes)") }
            throw APIError.badRequest("\(error)")
        }
        return buffer
    }
}
