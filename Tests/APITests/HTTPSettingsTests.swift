import Foundation
import Host
import Testing

@Suite struct HTTPSettingsTests {
    private func check(_ http: String) throws -> ConfigCheck {
        let dir = try TestPaths.makeTemporaryDirectory("http-config")
        mkdir("\(dir)/plugins.d", 0o755)
        try "[daemon]\nstate_directory = \"\(dir)/state\"\n[http]\n\(http)\n".write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        return ConfigLoader.check(path: "\(dir)/nazar.toml")
    }

    @Test func defaults() throws {
        let c = try check("")
        let http = try #require(c.daemon?.http)
        #expect(http.listen == "127.0.0.1:8428")
        #expect(http.maxBodyBytes == 16 << 20)
        #expect(http.auth == .localhostOpen)
        #expect(http.keysPath(stateDirectory: "/var/lib/nazar") == "/var/lib/nazar/api-keys")
    }

    @Test func valuesAreRead() throws {
        let c = try check("""
            listen = "[::1]:9000"
            max_body_bytes = 1048576
            keys_file = "keys"
            auth = "required"
            rate_limit = 5000
            rate_burst = 10000
            tls_cert_file = "/etc/nazar/cert.pem"
            tls_key_file = "/etc/nazar/key.pem"
            """)
        #expect(c.diagnostics.filter(\.isError).isEmpty)
        let http = try #require(c.daemon?.http)
        #expect(HTTPSettings.splitListen(http.listen ?? "")! == ("::1", 9000))
        #expect(http.maxBodyBytes == 1_048_576 && http.auth == .required && http.ratePointsPerSecond == 5000 && http.rateBurst == 10000)
        #expect(http.keysFile?.hasSuffix("/keys") == true)
        #expect(http.tlsCertFile == "/etc/nazar/cert.pem")
    }

    @Test func emptyListenTurnsTheServerOff() throws {
        #expect(try check(#"listen = """#).daemon?.http.listen == nil)
    }

    @Test(arguments: [
        (#"listen = "8428""#, "http.listen", "'8428' is not host:port"),
        (#"listen = "localhost:99999""#, "http.listen", "'localhost:99999' is not host:port"),
        (#"auth = "open""#, "http.auth", "'open' is not one of required, localhost_open"),
        ("max_body_bytes = 10", "http.max_body_bytes", "10 is outside 1024...1073741824"),
        (#"tls_cert_file = "/c.pem""#, "http.tls_cert_file", "tls_cert_file and tls_key_file go together"),
        ("rate_limit = 0", "http.rate_limit", "0 is outside 1...1000000000"),
        ("port = 1", "http.port", "unknown key"),
    ])
    func badValuesNameTheKey(text: String, key: String, message: String) throws {
        let c = try check(text)
        let errors = c.diagnostics.filter(\.isError)
        #expect(errors.count == 1)
        #expect(errors.first?.key == key)
        #expect(errors.first?.message.hasPrefix(message) == true, "\(errors)")
        #expect(errors.first?.line == 4)
    }
}
