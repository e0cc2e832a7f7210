extension SQLStore {
    /// Adds the SQL conditions for `matchers` to a query of a table with a labels column
    /// (and, for series, metric and host columns); returns the regex matchers, which the
    /// caller must still apply to the rows.
    ///
    /// Equality matchers are exact SQL conditions (a missing label compares as ""); the
    /// `host` label and the metric name use their own indexed columns where the table has
    /// them. Regex matchers are decided in Swift (the one definition: anchored POSIX ERE);
    /// SQL narrows the rows first, so a regex over 100,000 series does not ship and parse
    /// every row: by the pattern's literal prefix (`web4.*` → values starting "web4", which
    /// an index on the column can use), then by the backend's regex — SQLite's
    /// `nazar_regexp` (glibc's regcomp, as Swift uses) and PostgreSQL's `~` when the
    /// pattern has no backslash (where its ARE and POSIX ERE agree). Every narrowing keeps
    /// a superset of the matches.
    @discardableResult
    func appendMatchers(_ matchers: [LabelMatcher], labelsColumn: String, metricColumn: String?, hostColumn: String? = nil,
                        to sql: inout String, parameters: inout [SQLValue]) throws(StorageError) -> [LabelMatcher] {
        var regexes: [LabelMatcher] = []
        for m in matchers {
            guard LabelText.isValidKey(m.key) else {
                throw .invalidArgument(field: "matcher '\(m.key)'", reason: "label keys are [a-zA-Z_][a-zA-Z0-9_]*")
            }
            let column = valueExpression(of: m.key, labelsColumn: labelsColumn, metricColumn: metricColumn,
                                         hostColumn: hostColumn, parameters: &parameters)
            switch m.op {
            case .equal, .notEqual:
                parameters.append(.text(m.value))
                sql += " AND \(column) \(m.op == .equal ? "=" : "<>") $\(parameters.count)"
            case .regexMatch, .regexNoMatch:
                regexes.append(m)
                if m.op == .regexMatch, let prefix = Self.literalPrefix(of: m.value) {
                    if driver.dialect.bytewiseTextOrder, let end = Self.successor(of: prefix) {
                        // [prefix, successor): what an index on the column can serve.
                        parameters.append(.text(prefix))
                        parameters.append(.text(end))
                        sql += " AND \(column) >= $\(parameters.count - 1) AND \(column) < $\(parameters.count)"
                    } else {
                        parameters.append(.text(prefix))
                        sql += " AND substr(\(column), 1, \(prefix.count)) = $\(parameters.count)"
                    }
                }
                let dialect = driver.dialect
                if let regexMatch = dialect.regexMatch, !(dialect.regexNeedsNoBackslash && m.value.contains("\\")) {
                    parameters.append(.text(dialect.regexParameter(m.value)))
                    let condition = regexMatch(column, parameters.count)
                    sql += m.op == .regexMatch ? " AND \(condition)" : " AND NOT (\(condition))"
                }
            }
        }
        return regexes
    }

    /// The SQL for a label's value ("" when missing): a column of its own or the labels.
    private func valueExpression(of key: String, labelsColumn: String, metricColumn: String?, hostColumn: String?,
                                 parameters: inout [SQLValue]) -> String {
        if key == "__name__", let metricColumn { return metricColumn }
        // seriesID stores the host label, or "" without one, in this column.
        if key == "host", let hostColumn { return hostColumn }
        parameters.append(driver.dialect.labelKeyParameter(key))
        return "COALESCE(\(driver.dialect.labelValue(labelsColumn, parameters.count)), '')"
    }

    /// The smallest string above every string starting with `prefix` in byte order: the
    /// prefix with its last scalar incremented (nil when that is the largest scalar).
    static func successor(of prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        guard let last = scalars.popLast() else { return nil }
        var next = last.value + 1
        if next == 0xD800 { next = 0xE000 }  // UTF-8 orders scalars by value; skip surrogates
        guard let s = Unicode.Scalar(next) else { return nil }
        scalars.append(s)
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    /// The characters every match of an anchored POSIX ERE starts with, or nil: the
    /// leading run of ordinary characters, minus the last one when a quantifier follows it
    /// (`webs?` may match "web"), and nothing when the pattern has a top-level `|`.
    static func literalPrefix(of pattern: String) -> String? {
        guard !hasTopLevelAlternation(Array(pattern)) else { return nil }
        let special: Set<Character> = [".", "[", "]", "(", ")", "*", "+", "?", "{", "}", "|", "^", "$", "\\"]
        var prefix = ""
        var rest = pattern[...]
        while let c = rest.first, !special.contains(c) {
            prefix.append(c)
            rest = rest.dropFirst()
        }
        if let next = rest.first, next == "?" || next == "*" || next == "{" { prefix = String(prefix.dropLast()) }
        return prefix.isEmpty ? nil : prefix
    }

    /// Whether `|` appears outside every group (skipping escapes and bracket expressions,
    /// `[]a]`, `[^]a]` and `[[:alpha:]]` included); true too when the text is not
    /// well-formed enough to tell.
    private static func hasTopLevelAlternation(_ p: [Character]) -> Bool {
        var depth = 0
        var i = 0
        while i < p.count {
            switch p[i] {
            case "\\":
                i += 2
                continue
            case "[":
                i += 1
                if i < p.count, p[i] == "^" { i += 1 }
                if i < p.count, p[i] == "]" { i += 1 }
                while i < p.count, p[i] != "]" {
                    if p[i] == "[", i + 1 < p.count, p[i + 1] == ":" || p[i + 1] == "." || p[i + 1] == "=" {
                        let close = p[i + 1]
                        i += 2
                        while i + 1 < p.count, !(p[i] == close && p[i + 1] == "]") { i += 1 }
                        i += 2
                        continue
                    }
                    i += 1
                }
                if i >= p.count { return true }
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { return true }
            case "|":
                if depth == 0 { return true }
            default: break
            }
            i += 1
        }
        return depth != 0
    }
}
