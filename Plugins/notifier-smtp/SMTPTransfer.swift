import CCurl
import NotifierKit
import PluginKit

/// Sends one message over SMTP with libcurl: STARTTLS or implicit TLS, AUTH, envelope
/// from/recipients. Reuses one easy handle (and so the connection) across sends.
///
/// Threading: not thread-safe; one notifier instance is never called concurrently.
final class SMTPTransfer {
    private let handle: UnsafeMutableRawPointer
    private let settings: SMTPSettings
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    init(settings: SMTPSettings) throws(PluginError) {
        try CurlGlobal.ensure()
        guard let h = curl_easy_init() else { throw PluginError("libcurl: curl_easy_init failed") }
        handle = h
        self.settings = settings
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends `message`. Permanent failures: login rejected, STARTTLS required but not
    /// offered, a 5xx reply (unknown recipient, message refused). Transient: 4xx replies,
    /// timeouts, refused or dropped connections.
    func send(_ message: [UInt8]) throws(PluginError) {
        let h = handle
        curl_easy_reset(h)
        errorBuffer[0] = 0
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        for address in settings.toAddresses { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }
        let upload = UploadSource(message)
        let uploadPointer = Unmanaged.passUnretained(upload).toOpaque()

        nazar_curl_set_string(h, CURLOPT_URL, settings.url)
        nazar_curl_set_string(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        nazar_curl_set_long(h, CURLOPT_NOSIGNAL, 1)
        nazar_curl_set_long(h, CURLOPT_TIMEOUT_MS, settings.transport.timeoutMilliseconds)
        nazar_curl_set_long(h, CURLOPT_CONNECTTIMEOUT_MS, settings.transport.connectTimeoutMilliseconds)
        nazar_curl_set_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
        let tls: curl_usessl = switch settings.startTLS {
        case .required: CURLUSESSL_ALL
        case .opportunistic: CURLUSESSL_TRY
        case .off: CURLUSESSL_NONE
        }
        nazar_curl_set_long(h, CURLOPT_USE_SSL, Int(tls.rawValue))
        settings.transport.applyTLS(to: h)
        if let username = settings.username { nazar_curl_set_string(h, CURLOPT_USERNAME, username) }
        if let password = settings.password { nazar_curl_set_string(h, CURLOPT_PASSWORD, password.value) }
        nazar_curl_set_string(h, CURLOPT_MAIL_FROM, "<\(settings.fromAddress)>")
        nazar_curl_set_slist(h, CURLOPT_MAIL_RCPT, recipients)
        nazar_curl_set_long(h, CURLOPT_UPLOAD, 1)
        nazar_curl_set_size(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count))
        nazar_curl_set_read_function(h, readUpload)
        nazar_curl_set_pointer(h, CURLOPT_READDATA, uploadPointer)

        let code = curl_easy_perform(h)
        nazar_curl_set_slist(h, CURLOPT_MAIL_RCPT, nil)
        // The password stays in the handle until reset; clear it once the reply is read.
        defer { curl_easy_reset(h) }
        guard code != CURLE_OK else { return }
        var lastReply = 0
        nazar_curl_get_long(h, CURLINFO_RESPONSE_CODE, &lastReply)
        let secrets = [settings.password?.value ?? ""]
        let detail = Redact.excerpt(Redact.removing(secrets, from: String(cString: errorBuffer)))
        let reply = SMTPReply.failedCode(in: detail) ?? lastReply
        let target = Redact.origin(of: settings.url)
        switch code {
        case CURLE_LOGIN_DENIED:
            throw PluginError("\(target): login rejected for user '\(settings.username ?? "")' (\(detail))")
        case CURLE_USE_SSL_FAILED:
            throw PluginError("\(target): server does not offer STARTTLS and starttls = \"required\" (\(detail))")
        default:
            break
        }
        if (500...599).contains(reply) {
            throw PluginError("\(target): SMTP reply \(reply), message refused (\(detail))")
        }
        if (400...499).contains(reply) {
            throw .transient("\(target): SMTP reply \(reply), try later (\(detail))")
        }
        throw TransportFailure.error(code, detail: detail, target: target)
    }
}

/// The message bytes libcurl reads during one upload.
final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

private let readUpload: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, user in
    guard let buffer, let user else { return 0 }
    let source = Unmanaged<UploadSource>.fromOpaque(user).takeUnretainedValue()
    let n = min(size * count, source.bytes.count - source.offset)
    guard n > 0 else { return 0 }
    source.bytes.withUnsafeBufferPointer { all in
        guard let base = all.baseAddress else { return }  // n > 0 means non-empty; kept total anyway
        UnsafeMutableRawPointer(buffer).copyMemory(from: base + source.offset, byteCount: n)
    }
    source.offset += n
    return n
}

/// SMTP reply codes from libcurl's error text.
enum SMTPReply {
    /// libcurl reports a refused command as "RCPT failed: 550" / "DATA failed: 451"
    /// (CURLINFO_RESPONSE_CODE may by then hold the QUIT reply), so the code is read
    /// from the text: the number after "failed: ".
    static func failedCode(in text: String) -> Int? {
        guard let r = text.firstRange(of: "failed: ") else { return nil }
        let digits = text[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard digits.count == 3, let code = Int(digits) else { return nil }
        return code
    }
}
