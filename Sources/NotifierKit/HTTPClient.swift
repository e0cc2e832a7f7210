import CCurl
import PluginKit

/// What came back from an HTTP request.
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The first `HTTPClient.bodyLimit` bytes of the body.
    public var body: [UInt8]
    /// The `Retry-After` header as sent, if any.
    public var retryAfter: String?

    /// The kept body as text (invalid UTF-8 replaced), for error excerpts and JSON parsing.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A libcurl easy handle for POSTing to one service, reused across calls so the
/// connection stays open between alerts.
///
/// Threading: not thread-safe; the host never calls one notifier instance concurrently,
/// which is the only caller. Ownership: the handle is freed in `deinit`.
public final class HTTPClient {
    /// Response bodies are kept up to this size: enough for any API error document.
    public static let bodyLimit = 64 * 1024

    private let handle: UnsafeMutableRawPointer
    private let options: TransportOptions
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    /// Throws a permanent error when libcurl cannot be initialised.
    public init(options: TransportOptions) throws(PluginError) {
        try CurlGlobal.ensure()
        guard let h = curl_easy_init() else { throw PluginError("libcurl: curl_easy_init failed") }
        handle = h
        self.options = options
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// POSTs `body` to `url` with `headers` ("Name: value").
    ///
    /// Returns the response for any HTTP status; throws only for transport failures:
    /// transient for timeouts, refused connections, resets and TLS handshakes that
    /// failed; permanent for a URL libcurl cannot use. The error text never contains
    /// the URL's path or query (where tokens live).
    public func post(url: String, headers: [String], body: [UInt8]) throws(PluginError) -> HTTPResponse {
        let h = handle
        curl_easy_reset(h)
        let collector = ResponseCollector()
        let collectorPointer = Unmanaged.passUnretained(collector).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>? = nil
        // "Expect:" stops libcurl from sending Expect: 100-continue for bodies over 1 KiB,
        // which costs a round trip (or a 1 s stall with servers that never answer 100).
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        errorBuffer[0] = 0

        nazar_curl_set_string(h, CURLOPT_URL, url)
        nazar_curl_set_string(h, CURLOPT_PROTOCOLS_STR, "http,https")
        nazar_curl_set_long(h, CURLOPT_NOSIGNAL, 1)  // no SIGALRM in a multi-threaded host
        nazar_curl_set_long(h, CURLOPT_TIMEOUT_MS, options.timeoutMilliseconds)
        nazar_curl_set_long(h, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds)
        nazar_curl_set_long(h, CURLOPT_POST, 1)
        nazar_curl_set_size(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        nazar_curl_set_slist(h, CURLOPT_HTTPHEADER, list)
        nazar_curl_set_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
        nazar_curl_set_string(h, CURLOPT_USERAGENT, "nazar-notifier/0.1")
        nazar_curl_set_write_function(h, collectBody)
        nazar_curl_set_pointer(h, CURLOPT_WRITEDATA, collectorPointer)
        nazar_curl_set_header_function(h, collectHeader)
        nazar_curl_set_pointer(h, CURLOPT_HEADERDATA, collectorPointer)
        options.applyTLS(to: h)

        // A NUL-terminated copy: with a NULL POSTFIELDS (an empty array has no base
        // address) libcurl would read the body from stdin instead.
        let bytes = body + [0]
        let code = bytes.withUnsafeBytes { raw -> CURLcode in
            // POSTFIELDS is not copied: the bytes live for this perform() call.
            nazar_curl_set_pointer(h, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            return curl_easy_perform(h)
        }
        // Drop pointers into this call's storage before they dangle.
        nazar_curl_set_slist(h, CURLOPT_HTTPHEADER, nil)
        nazar_curl_set_pointer(h, CURLOPT_POSTFIELDS, nil)
        guard code == CURLE_OK else {
            throw TransportFailure.error(code, detail: String(cString: errorBuffer), target: Redact.origin(of: url))
        }
        var status = 0
        nazar_curl_get_long(h, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: collector.body, retryAfter: collector.retryAfter)
    }
}

extension TransportOptions {
    /// Sets the CA bundle / verification options on an easy handle.
    public func applyTLS(to h: UnsafeMutableRawPointer) {
        if let caFile { nazar_curl_set_string(h, CURLOPT_CAINFO, caFile) }
        if insecureSkipVerify {
            nazar_curl_set_long(h, CURLOPT_SSL_VERIFYPEER, 0)
            nazar_curl_set_long(h, CURLOPT_SSL_VERIFYHOST, 0)
        }
    }
}

/// Collects body bytes (up to the limit) and the Retry-After header of one response.
final class ResponseCollector {
    var body: [UInt8] = []
    var retryAfter: String?
}

private let collectBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, user in
    let n = size * count
    guard let data, let user else { return n }
    let c = Unmanaged<ResponseCollector>.fromOpaque(user).takeUnretainedValue()
    let room = max(0, HTTPClient.bodyLimit - c.body.count)
    if room > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: n) {
            c.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(n, room)))
        }
    }
    return n  // accept everything; only the prefix is kept
}

private let collectHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, user in
    let n = size * count
    guard let data, let user else { return n }
    let line = data.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    let c = Unmanaged<ResponseCollector>.fromOpaque(user).takeUnretainedValue()
    if line.hasPrefix("HTTP/") { c.retryAfter = nil }  // a new response (after 100 Continue)
    if let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "retry-after" {
        c.retryAfter = String(line[line.index(after: colon)...]).trimmingSpaces()
    }
    return n
}
