import PluginKit
/// Typed reads from one parsed config file that record what is wrong and carry on, so a
/// single pass reports every mistake, each with its file, line and dotted key.
/// Every accessor returns nil when the key is absent or its value was refused; callers
/// apply the default.
struct ConfigValueReader {
    let file: String
    let locator: TOMLKeyLocator
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String, text: String) {
        self.file = file
        locator = TOMLKeyLocator(text: text)
    }

    var hasErrors: Bool { diagnostics.contains { $0.isError } }

    mutating func error(_ message: String, at path: TOMLPath?) {
        diagnostics.append(.error(message, file: file, line: path.flatMap(locator.line(of:)),
                                  key: path.map(\.description)))
    }

    mutating func warning(_ message: String, at path: TOMLPath?) {
        diagnostics.append(.warning(message, file: file, line: path.flatMap(locator.line(of:)),
                                    key: path.map(\.description)))
    }

    /// Diagnostics in line order (those without a line first), as admins read the file.
    var diagnosticsInFileOrder: [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let (la, lb) = (a.element.line ?? 0, b.element.line ?? 0)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    mutating func typeMismatch(_ expected: String, _ node: TOMLNode, at path: TOMLPath) {
        error("expected \(expected), got \(node.typeName)", at: path)
    }

    /// Every key of `table` that is not in `known` is an error listing the known ones.
    mutating func rejectUnknownKeys(_ table: [String: TOMLNode], known: [String], at base: TOMLPath,
                                    noun: String = "key") {
        let list = known.sorted().joined(separator: ", ")
        for key in table.keys.sorted() where !known.contains(key) {
            error("unknown \(noun) (known \(noun)s: \(list))", at: base.appending(key))
        }
    }

    mutating func table(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath) -> [String: TOMLNode]? {
        guard let node = table[key] else { return nil }
        guard case let .table(members) = node else {
            typeMismatch("a table", node, at: base.appending(key))
            return nil
        }
        return members
    }

    mutating func string(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath) -> String? {
        guard let node = table[key] else { return nil }
        guard case let .string(value) = node else {
            typeMismatch("a string", node, at: base.appending(key))
            return nil
        }
        return value
    }

    /// A string that must not be empty (paths, names).
    mutating func nonEmptyString(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath) -> String? {
        guard let value = string(table, key, at: base) else { return nil }
        guard !value.isEmpty else {
            error("must not be empty", at: base.appending(key))
            return nil
        }
        return value
    }

    mutating func bool(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath) -> Bool? {
        guard let node = table[key] else { return nil }
        guard case let .bool(value) = node else {
            typeMismatch("true or false", node, at: base.appending(key))
            return nil
        }
        return value
    }

    mutating func integer(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath,
                          range: ClosedRange<Int>) -> Int? {
        guard let node = table[key] else { return nil }
        guard case let .integer(value) = node else {
            typeMismatch("an integer", node, at: base.appending(key))
            return nil
        }
        guard let int = Int(exactly: value), range.contains(int) else {
            error("\(value) is outside \(range.lowerBound)...\(range.upperBound)", at: base.appending(key))
            return nil
        }
        return int
    }

    /// One of a fixed set of words; the message lists them.
    mutating func word(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath, allowed: [String]) -> String? {
        guard let value = string(table, key, at: base) else { return nil }
        guard allowed.contains(value) else {
            error("'\(value)' is not one of \(allowed.joined(separator: ", "))", at: base.appending(key))
            return nil
        }
        return value
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ table: [String: TOMLNode], _ key: String, at base: TOMLPath, as _: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        word(table, key, at: base, allowed: Choice.allCases.map(\.rawValue)).flatMap(Choice.init(rawValue:))
    }

    /// "500ms", "10s", "1h30m", … or a number of seconds; at least `minimum` unless it is
    /// zero and `zeroAllowed` (zero meaning "off").
    mutating func duration(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath,
                           minimum: Duration = .zero, zeroAllowed: Bool = false) -> Duration? {
        guard let node = table[key] else { return nil }
        let path = base.appending(key)
        let parsed: Duration?
        let written: String
        switch node {
        case let .string(text):
            parsed = DurationText.parse(text)
            written = "'\(text)'"
        case let .integer(seconds):
            parsed = seconds >= 0 ? durationFromSeconds(Double(seconds)) : nil
            written = "\(seconds)"
        case let .float(seconds):
            parsed = durationFromSeconds(seconds)
            written = "\(seconds)"
        default:
            typeMismatch("a duration such as \"10s\"", node, at: path)
            return nil
        }
        guard let duration = parsed else {
            error("\(written) is not a duration (examples: 500ms, 10s, 5m, 1h30m, 7d, or a number of seconds)", at: path)
            return nil
        }
        if duration < minimum && !(zeroAllowed && duration == .zero) {
            let floor = formatDuration(minimum)
            error(zeroAllowed ? "\(written) is too short: use 0s (off) or at least \(floor)"
                              : "\(written) is too short: the minimum is \(floor)", at: path)
            return nil
        }
        return duration
    }

    mutating func strings(_ table: [String: TOMLNode], _ key: String, at base: TOMLPath) -> [String]? {
        guard let node = table[key] else { return nil }
        let path = base.appending(key)
        guard case let .array(items) = node else {
            typeMismatch("an array of strings", node, at: path)
            return nil
        }
        var out: [String] = []
        var ok = true
        for (index, item) in items.enumerated() {
            guard case let .string(s) = item else {
                typeMismatch("a string", item, at: path.appending(index: index))
                ok = false
                continue
            }
            out.append(s)
        }
        return ok ? out : nil
    }
}
