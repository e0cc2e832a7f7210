import Testing
@testable import Host
import PluginKit

extension Config {
    @Suite("durations")
    struct DurationParsingTests {
        static let valid: [(String, Duration)] = [
            ("500ms", .milliseconds(500)),
            ("10s", .seconds(10)),
            ("5m", .seconds(300)),
            ("1h30m", .seconds(5400)),
            ("7d", .seconds(7 * 86400)),
            ("2w", .seconds(14 * 86400)),
            ("0s", .zero),
            ("250us", .microseconds(250)),
            ("250µs", .microseconds(250)),
            ("15ns", .nanoseconds(15)),
            ("0.3s", .milliseconds(300)),
            ("1.5h", .seconds(5400)),
            (".5s", .milliseconds(500)),
            ("1m0.001s", .milliseconds(60_001)),
        ]

        @Test(arguments: valid)
        func parses(_ row: (String, Duration)) {
            #expect(DurationText.parse(row.0) == row.1)
        }

        @Test(arguments: ["", "10", "s", "10 s", " 10s", "10S", "-5s", "1.2.3s", "10sec", "1h 30m", "5x", "99999999999999999999s", "9999999999999d"])
        func refuses(_ text: String) {
            #expect(DurationText.parse(text) == nil)
        }

        @Test func seconds() {
            #expect(durationFromSeconds(0.25) == .milliseconds(250))
            #expect(durationFromSeconds(-1) == nil)
            #expect(durationFromSeconds(.infinity) == nil)
            #expect(durationFromSeconds(.nan) == nil)
        }

        @Test func formatting() {
            #expect(formatDuration(.milliseconds(100)) == "100ms")
            #expect(formatDuration(.seconds(5400)) == "1h30m")
            #expect(formatDuration(.seconds(86_401)) == "1d1s")
            #expect(formatDuration(.zero) == "0s")
            #expect(formatDuration(.milliseconds(1500)) == "1500ms")
            for d: Duration in [.milliseconds(100), .seconds(5400), .seconds(86_401), .microseconds(3), .milliseconds(1500)] {
                #expect(DurationText.parse(formatDuration(d)) == d)
            }
        }
    }
}
