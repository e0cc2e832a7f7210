import Foundation
import Testing

/// nazard as systemd sees it: READY=1 once plugins and the bus are up, STATUS= with a
/// summary, RELOADING=1 + MONOTONIC_USEC on SIGHUP followed by READY=1, WATCHDOG=1 when
/// WATCHDOG_USEC is set, STOPPING=1 on SIGTERM, then a clean exit.
@Suite(.serialized) struct SystemdNotifyTests {
    @Test func readyReloadStopSequence() throws {
        let dir = try TestPaths.makeTemporaryDirectory("notify")
        let config = try writeConfig(in: dir, plugins: [
            "collector-system": "plugin = \"collector-system\"\ninterval = \"100ms\"\n",
            "notifier-log": "plugin = \"notifier-log\"\n",
        ])
        let start = ContinuousClock.now
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "stderr"])
        let ready = nazard.notify.wait(for: .seconds(10)) { $0.contains("READY=1") }
        let readyAfter = ContinuousClock.now - start
        let readyMessage = try #require(ready.match, "no READY=1; stderr: \(nazard.stderrText)")
        #expect(readyAfter < .seconds(2), "READY=1 took \(readyAfter)")
        #expect(readyMessage.contains("STATUS=2 instances running"), "\(readyMessage)")

        // Points are being collected: the periodic STATUS= counts series.
        let status = nazard.notify.wait(for: .seconds(5)) { m in
            guard let r = m.range(of: #"(\d+) series"#, options: .regularExpression) else { return false }
            return (Int(m[r].split(separator: " ")[0]) ?? 0) > 50
        }
        #expect(status.match != nil, "STATUS never reported collected series: \(status.seen)")

        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let beforeReload = Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
        nazard.signal(SIGHUP)
        let reloading = nazard.notify.wait(for: .seconds(5)) { $0.contains("RELOADING=1") }
        let reloadMessage = try #require(reloading.match)
        let usec = reloadMessage.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
            .flatMap { Int64($0.dropFirst("MONOTONIC_USEC=".count)) }
        let monotonic = try #require(usec, "RELOADING=1 without MONOTONIC_USEC: \(reloadMessage)")
        #expect(monotonic >= beforeReload && monotonic < beforeReload + 5_000_000)
        #expect(nazard.notify.wait(for: .seconds(5)) { $0.contains("READY=1") }.match != nil, "READY=1 after reload")

        nazard.signal(SIGTERM)
        #expect(nazard.notify.wait(for: .seconds(10)) { $0.contains("STOPPING=1") }.match != nil)
        #expect(nazard.stop() == 0)
    }

    @Test func watchdogIsFedWhenWatchdogUsecIsSet() throws {
        let dir = try TestPaths.makeTemporaryDirectory("watchdog")
        let config = try writeConfig(in: dir, plugins: ["notifier-log": "plugin = \"notifier-log\"\n"])
        let nazard = try NazardProcess(config: config, dir: dir, extraArguments: ["--log-target", "stderr"],
                                       environment: ["WATCHDOG_USEC": "400000"])
        var kicks = 0
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(3)
        while clock.now < deadline, kicks < 4 {
            if let m = nazard.notify.receive(timeout: .milliseconds(500)), m.contains("WATCHDOG=1") { kicks += 1 }
        }
        #expect(kicks >= 4, "expected WATCHDOG=1 about every 200 ms")
        #expect(nazard.stop() == 0)
    }

    @Test func aBadConfigExitsWithEXCONFIGAndNamesTheProblem() throws {
        let dir = try TestPaths.makeTemporaryDirectory("badconfig")
        let path = "\(dir)/nazar.toml"
        try "[bus]\noverflow = \"sometimes\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let nazard = try NazardProcess(config: path, dir: dir)
        nazard.process.waitUntilExit()
        #expect(nazard.process.terminationStatus == 78)
        let err = nazard.stderrText
        #expect(err.contains("nazar.toml:2"), "\(err)")
        #expect(err.contains("bus.overflow"), "\(err)")
    }
}
