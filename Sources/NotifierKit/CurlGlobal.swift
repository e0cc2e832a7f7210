import PluginKit
import CCurl
import Synchronization

/// libcurl's process-wide initialisation. `curl_global_init` is not thread-safe and
/// several notifier instances (even of different plugins, each with its own copy of this
/// library) may be created concurrently, so it runs once per image under a lock.
/// It is never undone: `curl_global_cleanup` while another library still uses curl
/// would break it, and the process is about to exit anyway when the host unloads us.
public enum CurlGlobal {
    private static let initialised = Mutex<CURLcode?>(nil)

    /// Initialises libcurl once; throws a permanent error when that failed.
    public static func ensure() throws(PluginError) {
        let code = initialised.withLock { state -> CURLcode in
            if let state { return state }
            let rc = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
            state = rc
            return rc
        }
        guard code == CURLE_OK else {
            throw PluginError("libcurl initialisation failed: \(CurlText.describe(code))")
        }
    }
}

/// Human text for libcurl result codes.
public enum CurlText {
    /// libcurl's one-line text for `code` ("Timeout was reached").
    public static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "curl error \(code.rawValue)" }
        return String(cString: text)
    }
}
