import Host
import Hummingbird
import HummingbirdTesting
import Testing
@testable import API

@Suite struct HealthTests {
    @Test func healthzAnswersOK() async throws {
        try await withTestServer { app, _ in
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
                }
            }
        }
    }
}
