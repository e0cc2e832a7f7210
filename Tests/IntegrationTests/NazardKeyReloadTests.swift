import Foundation
import Testing

/// API keys created and revoked with the real nazarctl while a real nazard runs: applied
/// without a restart, by the file check (within about a second) and by SIGHUP (before
/// READY=1, so `systemctl reload nazar` returning means they apply).
@Suite(.serialized) struct NazardKeyReloadTests {
    struct Running {
        let nazard: NazardProcess
        let dir: String
        let port: Int
        var keysFile: String { "\(dir)/state/api-keys" }
        var log: String { nazard.stderrText }

        /// The status of a read-scope request with `key` (200, or 401 for an unknown key).
        func status(_ key: String) throws -> Int {
            try LoopbackHTTP.request(port: port, "/api/v1/plugins", headers: ["Authorization": "Bearer \(key)"]).status
        }

        /// Polls until `key` gets `expected`; the time it took, or nil after `timeout`.
        /// It sleeps on its own thread (usleep), not with Task.sleep: with the test pool's
        /// two threads held by blocking tests, a suspended poller was not resumed within
        /// the timeout and saw the key file's change as never applied.
        func waitFor(_ key: String, _ expected: Int, timeout: Duration = .seconds(15)) throws -> Duration? {
            let clock = ContinuousClock()
            let start = clock.now
            while clock.now - start < timeout {
                if try status(key) == expected { return clock.now - start }
                usleep(50_000)
            }
            return nil
        }
    }

    /// `nazarctl keys add` into the keys file; the key.
    static func addKey(_ keysFile: String, name: String) throws -> String {
        let r = try runNazarctl(["keys", "add", "--keys-file", keysFile, "--name", name, "--scope", "read"])
        guard r.code == 0, let key = r.output.split(separator: "\n").first(where: { $0.hasPrefix("nzr_") }) else {
            throw TestFailure("nazarctl keys add: \(r.output)")
        }
        return String(key)
    }

    /// `nazarctl keys revoke` of the key named `name`.
    static func revoke(_ keysFile: String, name: String) throws {
        let list = try runNazarctl(["keys", "list", "--keys-file", keysFile])
        guard let id = list.output.split(separator: "\n").first(where: { $0.contains(" \(name) ") })?.split(separator: " ").first else {
            throw TestFailure("no key \(name) in: \(list.output)")
        }
        let r = try runNazarctl(["keys", "revoke", "--keys-file", keysFile, String(id)])
        guard r.code == 0 else { throw TestFailure("nazarctl keys revoke: \(r.output)") }
    }

    /// nazard with `auth = "required"`, no plugins, an info-level log, and a first key.
    static func start(tag: String) throws -> (Running, first: String) {
        let dir = try TestPaths.makeTemporaryDirectory(tag)
        let port = try freeLoopbackPort()
        let config = try writeConfig(in: dir, selfMetrics: "0s", plugins: [:])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        handle.seekToEndOfFile()
        handle.write(Data("\n[http]\nlisten = \"127.0.0.1:\(port)\"\nauth = \"required\"\n".utf8))
        try handle.close()
        mkdir("\(dir)/state", 0o750)
        let first = try addKey("\(dir)/state/api-keys", name: "first")
        let nazard = try NazardProcess(config: config, dir: dir,
                                       extraArguments: ["--log-target", "stderr", "--log-level", "info", "--runtime-dir", "\(dir)/run"],
                                       stderrPath: "\(dir)/stderr")
        guard nazard.notify.wait(for: .seconds(20), { $0.contains("READY=1") }).match != nil,
              LoopbackHTTP.waitForServer(port: port) else {
            throw TestFailure("nazard did not come up: \(nazard.stderrText)")
        }
        return (Running(nazard: nazard, dir: dir, port: port), first)
    }

    @Test func keysAddedAndRevokedWhileRunningApplyWithoutASignal() throws {
        let (d, first) = try Self.start(tag: "keys-live")
        d.nazard.notify.discardInBackground()
        let pid = d.nazard.process.processIdentifier
        #expect(try d.status(first) == 200)

        let added = try Self.addKey(d.keysFile, name: "added-live")
        let accepted = try d.waitFor(added, 200)
        #expect(accepted != nil, "a key added while running was never accepted: \(d.log)")
        // The file is checked at most once a second, on a request (5 s: room for a loaded machine).
        if let accepted { #expect(accepted < .seconds(5), "accepted after \(accepted)") }

        try Self.revoke(d.keysFile, name: "first")
        let refused = try d.waitFor(first, 401)
        #expect(refused != nil, "a revoked key was still accepted: \(d.log)")
        if let refused { #expect(refused < .seconds(5), "refused after \(refused)") }
        #expect(try d.status(added) == 200)

        // Same process, no reload: the file check did it.
        #expect(d.nazard.process.isRunning && d.nazard.process.processIdentifier == pid)
        #expect(d.log.contains("nazar_trigger=file_changed"), "\(d.log)")
        #expect(!d.log.contains("reloading configuration"), "\(d.log)")
        #expect(d.nazard.stop() == 0)
    }

    @Test func sighupAppliesKeysBeforeReadyAlongsideTheConfigReload() async throws {
        let (d, first) = try Self.start(tag: "keys-hup")
        #expect(try d.status(first) == 200)
        let added = try Self.addKey(d.keysFile, name: "added-hup")
        try Self.revoke(d.keysFile, name: "first")
        // A plugins.d change the same SIGHUP applies: both handlers share the one signal.
        try "plugin = \"notifier-log\"\n".write(toFile: "\(d.dir)/plugins.d/notifier-log.toml", atomically: true, encoding: .utf8)

        d.nazard.signal(SIGHUP)
        #expect(d.nazard.notify.wait(for: .seconds(10)) { $0.contains("RELOADING=1") }.match != nil)
        #expect(d.nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match != nil)
        // The first requests after READY=1, no polling: the keys were re-read before it.
        #expect(try d.status(added) == 200)
        #expect(try d.status(first) == 401)
        let log = d.log
        #expect(log.contains("nazar_trigger=sighup"), "\(log)")
        #expect(log.contains("nazar_event=reload_done"), "\(log)")
        #expect(log.contains("nazar_event=instance_started") && log.contains("nazar_plugin=notifier-log"), "\(log)")

        // A keys file broken by hand: SIGHUP keeps the keys it had and says where the file is wrong.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: d.keysFile))
        handle.seekToEndOfFile()
        handle.write(Data("kbroken\tno-tabs-enough\n".utf8))
        try handle.close()
        d.nazard.signal(SIGHUP)
        #expect(d.nazard.notify.wait(for: .seconds(10)) { $0.contains("RELOADING=1") }.match != nil)
        #expect(d.nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }.match != nil)
        #expect(try d.status(added) == 200)
        #expect(try d.status(first) == 401)
        #expect(d.log.contains("nazar_event=api_keys_failed"), "\(d.log)")
        #expect(d.log.contains("\(d.keysFile):4: expected 7 tab-separated fields, found 2"), "\(d.log)")
        #expect(d.nazard.stop() == 0)
    }
}
