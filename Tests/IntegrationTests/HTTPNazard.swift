import Foundation

/// A real nazard with the HTTP API on a free loopback port, SQLite storage in its temp
/// state directory, the system collector every `interval`, and optionally a threshold
/// rule that fires at once (cpu.total above -1), so tests have a firing alert.
final class HTTPNazard {
    let dir: String
    let port: Int
    private(set) var process: NazardProcess
    let config: String

    var base: String { "http://127.0.0.1:\(port)" }

    /// A detector-threshold instance whose rule `cpu_any` holds at once (cpu.total > -1).
    static let firingRule = """
        plugin = "detector-threshold"
        subscribe = ["metrics.*.cpu.#"]
        [[config.rules]]
        name = "cpu_any"
        metric = "cpu.total"
        labels = { core = "" }
        above = -1
        severity = "warning"
        """
    var keysFile: String { "\(dir)/state/api-keys" }

    init(tag: String, interval: String = "1s", firingRule: Bool = false, extraConfig: String = "",
         hostname: String = "itest", collector: Bool = true, plugins extra: [String: String] = [:]) throws {
        dir = try TestPaths.makeTemporaryDirectory(tag)
        port = try freeLoopbackPort()
        var plugins = extra
        if collector { plugins["collector-system"] = "plugin = \"collector-system\"\ninterval = \"\(interval)\"\n[config]\ntop_processes = 5\n" }
        if firingRule { plugins["detector-threshold"] = Self.firingRule }
        config = try writeConfig(in: dir, selfMetrics: "1s", plugins: plugins)
        if hostname != "itest" {
            let text = try String(contentsOfFile: config, encoding: .utf8)
            try text.replacingOccurrences(of: #"hostname = "itest""#, with: "hostname = \"\(hostname)\"")
                .write(toFile: config, atomically: true, encoding: .utf8)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        handle.seekToEndOfFile()
        handle.write(Data("\n[http]\nlisten = \"127.0.0.1:\(port)\"\n\(extraConfig)\n".utf8))
        try handle.close()
        process = try Self.launch(config: config, dir: dir, port: port)
    }

    private static func launch(config: String, dir: String, port: Int) throws -> NazardProcess {
        // Warnings only: nobody reads the stderr pipe until the end, and a full pipe would
        // stall the daemon's logging.
        let process = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "stderr", "--log-level", "warning"])
        guard LoopbackHTTP.waitForServer(port: port) else {
            throw TestFailure("nazard's HTTP API did not answer on \(port); stderr: \(process.stderrText)")
        }
        return process
    }

    /// Starts the daemon again (after `stop`) with the same configuration, state and port.
    func startAgain() throws {
        process = try Self.launch(config: config, dir: dir, port: port)
    }

    /// Creates an API key with `nazarctl keys add` and returns it.
    func addKey(name: String, scopes: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(TestPaths.buildProducts)/nazarctl")
        p.arguments = ["keys", "add", "--keys-file", keysFile, "--name", name] + scopes.flatMap { ["--scope", $0] }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let key = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, !key.isEmpty else { throw TestFailure("nazarctl keys add failed") }
        return key
    }

    /// GET a JSON document from the API (localhost: read scope without a key).
    func json(_ path: String) throws -> [String: Any] {
        let r = try LoopbackHTTP.request(port: port, path)
        guard r.status == 200, let obj = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any] else {
            throw TestFailure("GET \(path): \(r.status) \(r.body)")
        }
        return obj
    }

    func stop() { _ = process.stop() }
}
