/// A series selector as Prometheus writes one: `metric{matcher, …}`, `metric` alone, or
/// `{matcher, …}` alone; the metric name becomes a `__name__` equality matcher. Used by
/// `nazarctl query` and `nazarctl series`, and meant for the HTTP API's query strings.
public enum SeriesSelector {
    /// The matchers of a selector. An empty text selects every series.
    public static func parse(_ text: String) throws(LabelMatcherError) -> [LabelMatcher] {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        guard let first = trimmed.first else { return [] }
        if first == "{" { return try LabelMatcher.parseList(String(trimmed)) }
        let name = trimmed.prefix { $0 != "{" && $0 != " " && $0 != "\t" }
        guard name.unicodeScalars.allSatisfy(isMetricScalar) else {
            throw LabelMatcherError(text: text, reason: "metric name '\(name)' may hold only letters, digits, '_', '.', ':' and '-'")
        }
        let rest = trimmed.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
        guard rest.isEmpty || rest.first == "{" else {
            throw LabelMatcherError(text: text, reason: "expected '{' after the metric name '\(name)'")
        }
        do {
            return [LabelMatcher("__name__", .equal, String(name))] + (try LabelMatcher.parseList(String(rest)))
        } catch {
            // Name the selector as typed, not just its braces.
            throw LabelMatcherError(text: text, reason: error.reason)
        }
    }

    private static func isMetricScalar(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "." || c == ":" || c == "-"
    }
}
