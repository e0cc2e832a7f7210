import PluginAPI
@testable import PluginKit
import Testing

@Suite struct PluginErrorReportTests {
    func withErrorBuffer(capacity: Int, _ body: (UnsafeMutablePointer<nazar_error>) -> Void) -> (String, Int64) {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        buffer[0] = 0
        var err = nazar_error(struct_size: UInt32(MemoryLayout<nazar_error>.size), message_capacity: UInt32(capacity),
                              message: buffer, retry_after_ms: 0)
        body(&err)
        return (String(cString: buffer), err.retry_after_ms)
    }

    @Test func permanentErrorsBecomeNAZAR_ERRORWithTheMessage() {
        var code: Int32 = 0
        let (message, retry) = withErrorBuffer(capacity: 64) { code = report(PluginError.config(key: "token", "empty"), into: $0) }
        #expect(code == Int32(NAZAR_ERROR))
        #expect(message == "config key 'token': empty")
        #expect(retry == 0)
    }

    @Test func transientErrorsAskForARetryAfter() {
        var code: Int32 = 0
        let (message, retry) = withErrorBuffer(capacity: 64) { code = report(.transient("HTTP 429", retryAfterMilliseconds: 30_000), into: $0) }
        #expect(code == Int32(NAZAR_RETRY))
        #expect(message == "HTTP 429")
        #expect(retry == 30_000)
    }

    @Test func longMessagesAreTruncatedToTheHostBuffer() {
        let (message, _) = withErrorBuffer(capacity: 8) { _ = report(PluginError(String(repeating: "x", count: 100)), into: $0) }
        #expect(message == "xxxxxxx")
        #expect(report(PluginError("no buffer"), into: nil) == Int32(NAZAR_ERROR))
    }
}
