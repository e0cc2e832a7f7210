#if canImport(Glibc)
import Glibc
#endif

/// A Prometheus-style label matcher: `key=value`, `key!=value`, `key=~regex`,
/// `key!~regex`. The key `__name__` matches the metric name; a missing label matches as
/// the empty string. Regular expressions are POSIX extended and anchored at both ends,
/// as Prometheus anchors its RE2 ones (`host=~web.*` matches "web1", not "aweb1").
public struct LabelMatcher: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", regexMatch = "=~", regexNoMatch = "!~"

        public var isRegex: Bool { self == .regexMatch || self == .regexNoMatch }
    }

    public var key: String
    public var op: Operator
    public var value: String
    /// Compiled once; nil for the equality operators.
    private let regex: CompiledRegex?

    /// A matcher. For the regex operators a pattern that does not compile matches nothing
    /// (`=~`) or everything (`!~`); use `init(validating:...)` or `parse` to refuse it.
    public init(_ key: String, _ op: Operator, _ value: String) {
        self.key = key
        self.op = op
        self.value = value
        regex = op.isRegex ? try? CompiledRegex(value) : nil
    }

    /// A matcher whose regular expression is checked; throws when it does not compile.
    public init(validating key: String, _ op: Operator, _ value: String) throws(LabelMatcherError) {
        self.key = key
        self.op = op
        self.value = value
        if op.isRegex {
            do { regex = try CompiledRegex(value) } catch {
                throw LabelMatcherError(text: "\(key)\(op.rawValue)\(value)", reason: error.reason)
            }
        } else {
            regex = nil
        }
    }

    public func matches(metric: String, labels: [StoredSeries.Label]) -> Bool {
        let actual = key == "__name__" ? metric : (labels.first(where: { $0.key == key })?.value ?? "")
        return matches(value: actual)
    }

    /// Whether a label value (or "" for a missing label) satisfies the matcher.
    public func matches(value actual: String) -> Bool {
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .regexMatch: return regex?.matches(actual) ?? false
        case .regexNoMatch: return !(regex?.matches(actual) ?? false)
        }
    }

    public var description: String {
        var quoted = "\""
        for c in value.unicodeScalars {
            if c == "\"" || c == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(c)
        }
        return "\(key)\(op.rawValue)\(quoted)\""
    }

    public static func == (a: LabelMatcher, b: LabelMatcher) -> Bool {
        a.key == b.key && a.op == b.op && a.value == b.value
    }

    /// Parses one matcher: `key=value`, `key!=value`, `key=~re`, `key!~re`; the value may
    /// be double-quoted (with `\"` and `\\` escapes) to hold commas or spaces.
    public static func parse(_ text: String) throws(LabelMatcherError) -> LabelMatcher {
        let list = try parseList(text)
        guard list.count == 1 else { throw LabelMatcherError(text: text, reason: "expected one matcher, found \(list.count)") }
        return list[0]
    }

    /// Parses a comma-separated list, optionally in braces as Prometheus writes it:
    /// `{host="web1", mount=~"/var.*"}` or `host=web1,mount=~/var.*`. An empty text is an
    /// empty list.
    public static func parseList(_ text: String) throws(LabelMatcherError) -> [LabelMatcher] {
        var scanner = MatcherScanner(Array(text.unicodeScalars), text: text)
        return try scanner.list()
    }
}

/// A matcher text that could not be parsed, with the text and why.
public struct LabelMatcherError: Error, CustomStringConvertible, Sendable, Equatable {
    public var text: String
    public var reason: String
    public var description: String { "bad label matcher '\(text)': \(reason)" }
}

/// Hand-written so the same grammar serves the CLI, config files and HTTP query strings.
private struct MatcherScanner {
    let s: [Unicode.Scalar]
    let text: String
    var i = 0

    init(_ s: [Unicode.Scalar], text: String) {
        self.s = s
        self.text = text
    }

    func fail(_ reason: String) -> LabelMatcherError { LabelMatcherError(text: text, reason: reason) }

    mutating func skipSpaces() {
        while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
    }

    mutating func list() throws(LabelMatcherError) -> [LabelMatcher] {
        skipSpaces()
        var braced = false
        if i < s.count, s[i] == "{" { braced = true; i += 1 }
        var out: [LabelMatcher] = []
        while true {
            skipSpaces()
            if i == s.count || (braced && s[i] == "}") { break }
            out.append(try matcher())
            skipSpaces()
            if i < s.count, s[i] == "," { i += 1; continue }
            break
        }
        if braced {
            guard i < s.count, s[i] == "}" else { throw fail("missing closing '}'") }
            i += 1
            skipSpaces()
        }
        guard i == s.count else { throw fail("unexpected '\(s[i])' at character \(i + 1)") }
        return out
    }

    mutating func matcher() throws(LabelMatcherError) -> LabelMatcher {
        let keyStart = i
        while i < s.count, s[i] == "_" || (s[i] >= "a" && s[i] <= "z") || (s[i] >= "A" && s[i] <= "Z")
            || (s[i] >= "0" && s[i] <= "9") { i += 1 }
        let key = String(String.UnicodeScalarView(s[keyStart..<i]))
        guard !key.isEmpty else { throw fail("expected a label name at character \(keyStart + 1)") }
        guard let first = key.unicodeScalars.first, !(first >= "0" && first <= "9") else {
            throw fail("label name '\(key)' starts with a digit")
        }
        skipSpaces()
        let op: LabelMatcher.Operator
        func at(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool { i + 1 < s.count && s[i] == a && s[i + 1] == b }
        if at("=", "~") { op = .regexMatch; i += 2 }
        else if at("!", "~") { op = .regexNoMatch; i += 2 }
        else if at("!", "=") { op = .notEqual; i += 2 }
        else if i < s.count, s[i] == "=" { op = .equal; i += 1 }
        else { throw fail("expected =, !=, =~ or !~ after '\(key)'") }
        skipSpaces()
        let value = try valueText()
        return try LabelMatcher(validating: key, op, value)
    }

    mutating func valueText() throws(LabelMatcherError) -> String {
        var out = String.UnicodeScalarView()
        if i < s.count, s[i] == "\"" {
            i += 1
            while i < s.count, s[i] != "\"" {
                if s[i] == "\\", i + 1 < s.count { i += 1 }
                out.append(s[i])
                i += 1
            }
            guard i < s.count else { throw fail("unterminated quoted value") }
            i += 1
            return String(out)
        }
        while i < s.count, s[i] != ",", s[i] != "}" {
            out.append(s[i])
            i += 1
        }
        var v = String(out)
        while v.last == " " || v.last == "\t" { v.removeLast() }
        return v
    }
}

/// A POSIX extended regular expression anchored at both ends. glibc's regexec does not
/// modify the compiled pattern, so one instance is safe to share between threads.
final class CompiledRegex: @unchecked Sendable {
    struct CompileError: Error { var reason: String }
    private var compiled = regex_t()
    /// False when regcomp failed: its regex_t must then not be freed or used.
    private var valid = false

    init(_ pattern: String) throws(CompileError) {
        let rc = regcomp(&compiled, "^(\(pattern))$", REG_EXTENDED | REG_NOSUB)
        guard rc == 0 else {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = buffer.withUnsafeMutableBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { regerror(rc, &compiled, $0.baseAddress, $0.count) }
            }
            throw CompileError(reason: String(decoding: buffer.prefix(max(0, min(n, buffer.count) - 1)), as: UTF8.self))
        }
        valid = true
    }

    deinit { if valid { regfree(&compiled) } }

    func matches(_ text: String) -> Bool {
        regexec(&compiled, text, 0, nil, 0) == 0
    }
}
