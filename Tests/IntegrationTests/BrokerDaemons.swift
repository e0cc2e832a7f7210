import Foundation
@testable import Host

/// Builds the pieces of a multi-daemon test on the test broker: C fixture plugins
/// compiled with cc, and a nazard config directory using the RabbitMQ bus.
enum BrokerDaemons {
    /// Compiles a C plugin of the repository (path relative to it) into `output`.
    static func compile(_ source: String, to output: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        p.arguments = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", "\(TestPaths.repository)/Sources/PluginAPI/include",
                       "-o", output, "\(TestPaths.repository)/\(source)"]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("cc \(source) failed") }
    }

    /// nazar.toml for one daemon on the test broker, plus its plugins.d files; `extra` is
    /// appended to nazar.toml (a `[storage]` table, say). Returns the config's path.
    /// Without `credentialsFile` the daemon finds its credentials itself (systemd's
    /// `$CREDENTIALS_DIRECTORY/rabbitmq`); `brokerExtra` goes into `[bus.rabbitmq]`.
    static func writeConfig(_ dir: String, host: String, url: String = TestBroker.url, selfMetrics: String = "0s",
                            credentialsFile: Bool = true, brokerExtra: String = "",
                            extra: String = "", plugins: [String: String]) throws -> String {
        mkdir(dir, 0o755)
        mkdir("\(dir)/plugins.d", 0o755)
        let cred = credentialsFile ? "credentials_file = \"\(try TestBroker.credentialsFile(in: dir))\"" : ""
        try """
            [daemon]
            hostname = "\(host)"
            [plugins]
            search_path = []
            [self_metrics]
            interval = "\(selfMetrics)"
            [bus]
            backend = "rabbitmq"
            [bus.rabbitmq]
            urls = ["\(url)"]
            vhost = "\(TestBroker.vhost)"
            \(cred)
            reconnect_min = "100ms"
            reconnect_max = "1s"
            timeout = "3s"
            \(brokerExtra)
            \(extra)
            """.write(toFile: "\(dir)/nazar.toml", atomically: true, encoding: .utf8)
        for (name, text) in plugins {
            try text.write(toFile: "\(dir)/plugins.d/\(name).toml", atomically: true, encoding: .utf8)
        }
        return "\(dir)/nazar.toml"
    }
}
