import Foundation
// Shared helpers (TestPaths, TestFailure, freeLoopbackPort …): the TestSupport target.
@_exported import TestSupport
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import API

/// A real `Daemon` (embedded bus, SQLite storage in a temporary directory, no plugins)
/// with the API's router over it, for driving handlers through HummingbirdTesting.
final class APITestHarness: @unchecked Sendable {
    let dir: String
    let daemon: Daemon
    let api: APIContext
    var keysPath: String { "\(dir)/state/api-keys" }

    /// `http` is the body of the `[http]` section; `sections` is more TOML after it (`[bus]` …).
    init(http: String = "", hostname: String = "central", sections: String = "") throws {
        dir = try TestPaths.makeTemporaryDirectory("api")
        mkdir("\(dir)/plugins.d", 0o755)
        try """
            [daemon]
            hostname = "\(hostname)"
            state_directory = "\(dir)/state"
            plugins_directory = "\(dir)/plugins.d"
            [self_metrics]
            interval = "0s"
            [http]
            \(http)
            \(sections)
            """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        var logger = Logger(label: "api-test")
        logger.logLevel = .critical
        daemon = try Daemon(options: DaemonOptions(configPath: "\(dir)/nazar.toml"), logger: logger)
        daemon.start()
        api = APIContext(daemon: daemon, logger: logger)
    }

    deinit { daemon.shutdown() }

    /// Adds a key to the keys file, makes the server see it, returns the key text.
    @discardableResult
    func addKey(_ name: String, _ scopes: Set<APIScope>, host: String? = nil, rate: Int? = nil) throws -> String {
        let (secret, key) = try APIKey.generate(name: name, scopes: scopes, host: host, rate: rate, now: 0)
        var keys = try APIKeyFile.read(path: keysPath)
        keys.append(key)
        try APIKeyFile.write(path: keysPath, keys: keys)
        api.keys.reload()
        return secret
    }

    func app() -> some ApplicationProtocol {
        // Port 0: live tests get a free port.
        Application(router: APIRoutes.makeRouter(api), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Polls the store until `metric` has `count` points (the storage writer is asynchronous).
    func waitForStored(_ metric: String, count: Int, timeout: Double = 10) async throws -> [LatestValue] {
        let deadline = Date().addingTimeInterval(timeout)
        let storage = try #require(daemon.storageWriter?.storage)
        while true {
            let series = try storage.series(matching: [LabelMatcher("__name__", .equal, metric)])
            var total = 0
            for s in series {
                total += try storage.range(series: s.id, from: 0, to: Int64.max / 2, step: Int64.max / 4,
                                           aggregation: .count, tier: .raw, now: wallClockNanoseconds()).samples
                    .reduce(0) { $0 + Int($1.value) }
            }
            if total >= count || Date() > deadline {
                #expect(total == count, "stored points of \(metric)")
                return series.isEmpty ? [] : try storage.latest(host: series[0].label("host") ?? "")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}



/// Request helpers.
extension TestClientProtocol {
    func post(_ uri: String, key: String?, contentType: String? = "application/json", body: String,
              extra: HTTPFields = [:]) async throws -> TestResponse {
        try await post(uri, key: key, contentType: contentType, bytes: Array(body.utf8), extra: extra)
    }

    func post(_ uri: String, key: String?, contentType: String?, bytes: [UInt8], extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    func get(_ uri: String, key: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await execute(uri: uri, method: .get, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    /// The body as parsed JSON (Foundation is fine in tests).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}
