import Testing
@testable import Host

extension Config {
    @Suite("BindingPattern")
    struct BindingPatternTests {
        /// (pattern, topic, matches) — RabbitMQ topic exchange semantics.
        static let table: [(String, String, Bool)] = [
            ("metrics.*.cpu.#", "metrics.h1.cpu", true),
            ("metrics.*.cpu.#", "metrics.h1.cpu.total", true),
            ("metrics.*.cpu.#", "metrics.h1.cpu.core.3", true),
            ("metrics.*.cpu.#", "metrics.cpu", false),
            ("metrics.*.cpu.#", "metrics.h1.h2.cpu", false),
            ("metrics.*.cpu.#", "metrics.h1.mem", false),
            ("metrics.*.cpu.#", "metric.h1.cpu", false),
            ("#", "metrics.h1.cpu", true),
            ("#", "a", true),
            ("#", "", true),
            ("alerts.critical.*", "alerts.critical.disk_full", true),
            ("alerts.critical.*", "alerts.critical", false),
            ("alerts.critical.*", "alerts.critical.disk.full", false),
            ("alerts.critical.*", "alerts.warning.disk_full", false),
            ("*", "a", true),
            ("*", "a.b", false),
            ("*", "", false),
            ("a.b", "a.b", true),
            ("a.b", "a.b.c", false),
            ("a.b", "a", false),
            ("a.b", "a.bb", false),
            ("a.#", "a", true),
            ("a.#", "a.b.c", true),
            ("a.#", "ab", false),
            ("#.a", "a", true),
            ("#.a", "x.y.a", true),
            ("#.a", "x.y.a.b", false),
            ("a.#.b", "a.b", true),
            ("a.#.b", "a.x.y.b", true),
            ("a.#.b", "a.x.y.c", false),
            ("a.#.b.#.c", "a.b.b.x.c", true),
            ("a.#.b.#.c", "a.x.c.b.c", true),
            ("a.#.b.#.c", "a.c.b", false),
            ("#.*", "", false),
            ("#.*", "a", true),
            ("#.*", "a.b.c", true),
            ("*.#.*", "a", false),
            ("*.#.*", "a.b", true),
            ("#.#", "a.b", true),
            ("*.*", "a.", true),       // an empty word is still a word
            ("a.*", "a.", true),
            ("*.b", ".b", true),
            ("metrics.h1.cpu", "metrics.h1.cpu", true),
            ("métrics.*", "métrics.x", true),
            ("métrics.*", "metrics.x", false),
        ]

        @Test(arguments: table)
        func matchingTable(_ row: (String, String, Bool)) throws {
            let (pattern, topic, expected) = row
            let binding = try BindingPattern(pattern)
            #expect(binding.matches(topic) == expected, "\(pattern) vs \(topic)")
            // Pre-split topics (as the bus does) answer alike; an empty topic has no words.
            let words = topic.isEmpty ? [] : topic.split(separator: ".", omittingEmptySubsequences: false)
            #expect(binding.matches(words: words) == expected, "\(pattern) vs words of \(topic)")
            #expect(binding.matches(words: words[...]) == expected)
        }

        /// (pattern, reason)
        static let invalid: [(String, String)] = [
            ("", "the pattern is empty"),
            ("a..b", "word 2 is empty"),
            (".a", "word 1 is empty"),
            ("a.", "word 2 is empty"),
            ("a.b*", "word 2 'b*' mixes a wildcard with other characters; '*' and '#' must be whole words"),
            ("#a", "word 1 '#a' mixes a wildcard with other characters; '*' and '#' must be whole words"),
            ("a.**", "word 2 '**' mixes a wildcard with other characters; '*' and '#' must be whole words"),
            (String(repeating: "a", count: 256), "longer than 255 bytes"),
        ]

        @Test(arguments: invalid)
        func invalidPatterns(_ row: (String, String)) {
            #expect(throws: BindingPatternError(pattern: row.0, reason: row.1)) { try BindingPattern(row.0) }
        }

        @Test func longestAllowedPattern() throws {
            let text = String(repeating: "a", count: 255)
            #expect(try BindingPattern(text).matches(text))
        }

        @Test func errorDescriptionNamesThePattern() {
            #expect(BindingPatternError(pattern: "a..b", reason: "word 2 is empty").description
                == "'a..b' is not a valid binding pattern: word 2 is empty")
        }

        @Test func equalityAndText() throws {
            #expect(try BindingPattern("a.*") == BindingPattern("a.*"))
            #expect(try BindingPattern("a.*") != BindingPattern("a.#"))
            #expect(try BindingPattern("a.#").description == "a.#")
            #expect(Set(try ["a", "a", "b"].map(BindingPattern.init)).count == 2)
        }

        @Test func manyHashesStayFast() throws {
            // Naive backtracking would take exponential time here.
            let pattern = try BindingPattern(Array(repeating: "#.x", count: 20).joined(separator: ".") + ".y")
            let topic = Array(repeating: "x", count: 200).joined(separator: ".")
            let clock = ContinuousClock()
            let elapsed = clock.measure { #expect(!pattern.matches(topic)) }
            #expect(elapsed < .seconds(1))
        }
    }
}
