import CZlib

/// Why a gzip body could not be decoded.
public enum GzipError: Error, Equatable, CustomStringConvertible {
    /// The decoded body would exceed the limit (an HTTP 413, and the zip-bomb guard).
    case tooLarge(limit: Int)
    /// Not gzip, truncated or corrupt; zlib's message.
    case corrupt(String)

    public var description: String {
        switch self {
        case let .tooLarge(limit): return "the decompressed body is larger than \(limit) bytes"
        case let .corrupt(why): return "the gzip body cannot be decoded: \(why)"
        }
    }
}

/// gzip (RFC 1952) through zlib, for `Content-Encoding: gzip` request bodies and agents'
/// compressed batches.
public enum GzipCodec {
    /// Decodes `input` (concatenated gzip members are accepted, as gunzip does), refusing
    /// output beyond `limit` bytes before it is produced.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: min(max(input.count * 4, 4096), limit + 1))
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count {
                guard output.count <= limit else { throw .tooLarge(limit: limit) }
                output.append(contentsOf: repeatElement(0, count: min(output.count, limit + 1 - output.count)))
            }
            let status: Int32 = output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self)).map { $0 + consumed }
                stream.avail_in = UInt32(input.count - consumed)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self) + produced
                stream.avail_out = UInt32(out.count - produced)
                let inBefore = stream.avail_in, outBefore = stream.avail_out
                let s = inflate(&stream, Z_NO_FLUSH)
                consumed += Int(inBefore - stream.avail_in)
                produced += Int(outBefore - stream.avail_out)
                return s
            }
            if produced > limit { throw .tooLarge(limit: limit) }
            switch status {
            case Z_STREAM_END:
                // Another member may follow.
                if consumed < input.count {
                    guard inflateReset(&stream) == Z_OK else { throw .corrupt("inflateReset failed") }
                    continue
                }
                output.removeSubrange(produced...)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                if consumed >= input.count && produced < output.count { throw .corrupt("truncated input") }
                continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw .corrupt(message)
            }
        }
    }

    /// Compresses `input` as one gzip member (agents' batches; tests).
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        let status: Int32 = output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(out.count)
            return deflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END else { throw .corrupt("deflate failed (\(status))") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
