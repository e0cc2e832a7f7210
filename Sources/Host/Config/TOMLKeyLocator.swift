/// Maps key paths of a TOML document to the 1-based line where each is written.
///
/// `TOMLParser` reports values but not where they came from, and an admin needs a line number
/// to fix a setting. This is a lenient scanner, not a parser: it is run on text that
/// the parser has already accepted, and on anything else it must merely never crash or hang.
/// It understands table headers, arrays of tables (`[[a]]` becomes `a[0]`, `a[1]` …),
/// dotted and quoted keys, inline tables, arrays (each element gets its own line) and
/// strings of every kind, so that text inside a multi-line string is never taken for a key.
struct TOMLKeyLocator: Sendable {
    private var lines: [TOMLPath: Int]

    init(text: String) {
        var scanner = KeyScanner(bytes: Array(text.utf8))
        scanner.run()
        lines = scanner.lines
    }

    /// The line of `path`, or of its nearest ancestor that has one (a value the scanner
    /// did not see, such as an element of a one-line array, is on its key's line).
    func line(of path: TOMLPath) -> Int? {
        var current: TOMLPath? = path
        while let candidate = current, !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            current = candidate.parent
        }
        return nil
    }

    /// The line of exactly `path`, nil if it is not written in the file.
    func exactLine(of path: TOMLPath) -> Int? { lines[path] }
}

private struct KeyScanner {
    let bytes: [UInt8]
    var i = 0
    var line = 1
    var current = TOMLPath()
    /// Number of `[[header]]` entries seen per array path, to give the next one its index.
    var arrayCounts: [TOMLPath: Int] = [:]
    var lines: [TOMLPath: Int] = [:]
    /// Paths written as a header: they win over an earlier implicit mention (`[a.b]` before `[a]`).
    var explicitHeaders: Set<TOMLPath> = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    private var atEnd: Bool { i >= bytes.count }

    private func peek(_ offset: Int = 0) -> UInt8? {
        i + offset < bytes.count ? bytes[i + offset] : nil
    }

    private mutating func record(_ path: TOMLPath, line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// Records `path` and every ancestor below `base`, all on `line`.
    private mutating func recordWithAncestors(_ path: TOMLPath, below base: TOMLPath, line: Int) {
        var depth = base.elements.count + 1
        while depth <= path.elements.count {
            record(TOMLPath(Array(path.elements.prefix(depth))), line: line)
            depth += 1
        }
    }

    mutating func run() {
        while !atEnd {
            skipBlankAndComments()
            guard !atEnd else { break }
            let startLine = line
            let before = i
            if bytes[i] == UInt8(ascii: "[") {
                header(line: startLine)
            } else {
                keyValue(line: startLine)
            }
            skipToNextLine()
            if i == before { i += 1 }
        }
    }

    private mutating func header(line startLine: Int) {
        let isArray = peek(1) == UInt8(ascii: "[")
        i += isArray ? 2 : 1
        let keys = parseKey()
        guard !keys.isEmpty else { return }
        skipSpaces()
        // Intermediate components name the latest entry of an array of tables.
        var resolved = TOMLPath()
        for (n, key) in keys.enumerated() {
            resolved = resolved.appending(key)
            if n < keys.count - 1, let count = arrayCounts[resolved], count > 0 {
                resolved = resolved.appending(index: count - 1)
            }
        }
        recordWithAncestors(resolved, below: TOMLPath(), line: startLine)
        if isArray {
            let index = arrayCounts[resolved, default: 0]
            arrayCounts[resolved] = index + 1
            resolved = resolved.appending(index: index)
            record(resolved, line: startLine)
        } else if !explicitHeaders.contains(resolved) {
            explicitHeaders.insert(resolved)
            lines[resolved] = startLine
        }
        current = resolved
    }

    private mutating func keyValue(line startLine: Int) {
        let keys = parseKey()
        guard !keys.isEmpty else { return }
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else { return }
        i += 1
        var path = current
        for key in keys { path = path.appending(key) }
        recordWithAncestors(path, below: current, line: startLine)
        parseValue(at: path)
    }

    // MARK: keys

    /// A possibly dotted key; empty when there is no key here.
    private mutating func parseKey() -> [String] {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let c = peek() else { return keys }
            if c == UInt8(ascii: "\"") {
                keys.append(parseBasicString())
            } else if c == UInt8(ascii: "'") {
                keys.append(parseLiteralString())
            } else {
                let start = i
                while let b = peek(), isBareKeyByte(b) { i += 1 }
                guard i > start else { return keys }
                keys.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return keys }
            i += 1
        }
    }

    private func isBareKeyByte(_ b: UInt8) -> Bool {
        // Bytes >= 0x80: TOML 1.1 allows Unicode bare keys; being lenient costs nothing.
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b >= 0x80
    }

    /// A one-line "…" string starting at the quote, with escapes decoded so that quoted
    /// keys compare equal to the parser's.
    private mutating func parseBasicString() -> String {
        i += 1
        var out: [UInt8] = []
        while let c = peek(), c != UInt8(ascii: "\n") {
            i += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\"), let e = peek() else { out.append(c); continue }
            i += 1
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "e"): out.append(0x1B)
            case UInt8(ascii: "u"): appendScalar(hexDigits: 4, to: &out)
            case UInt8(ascii: "U"): appendScalar(hexDigits: 8, to: &out)
            case UInt8(ascii: "x"): appendScalar(hexDigits: 2, to: &out)
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func appendScalar(hexDigits: Int, to out: inout [UInt8]) {
        var value: UInt32 = 0
        for _ in 0..<hexDigits {
            guard let c = peek(), let d = hexValue(c) else { break }
            value = value << 4 | d
            i += 1
        }
        if let scalar = Unicode.Scalar(value) { out.append(contentsOf: String(Character(scalar)).utf8) }
    }

    private func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func parseLiteralString() -> String {
        i += 1
        let start = i
        while let c = peek(), c != UInt8(ascii: "'"), c != UInt8(ascii: "\n") { i += 1 }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if peek() == UInt8(ascii: "'") { i += 1 }
        return text
    }

    // MARK: values

    private mutating func parseValue(at path: TOMLPath) {
        skipSpaces()
        guard let c = peek() else { return }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            if peek(1) == c && peek(2) == c {
                skipMultilineString(quote: c)
            } else if c == UInt8(ascii: "\"") {
                _ = parseBasicString()
            } else {
                _ = parseLiteralString()
            }
        case UInt8(ascii: "["):
            parseArray(at: path)
        case UInt8(ascii: "{"):
            parseInlineTable(at: path)
        default:
            // Numbers, booleans, dates: a date-time may contain a space, so stop only at
            // what ends a value.
            while let b = peek(), b != UInt8(ascii: ","), b != UInt8(ascii: "]"), b != UInt8(ascii: "}"),
                  b != UInt8(ascii: "\n"), b != UInt8(ascii: "#") {
                i += 1
            }
        }
    }

    private mutating func skipMultilineString(quote: UInt8) {
        i += 3
        while let c = peek() {
            if c == UInt8(ascii: "\n") {
                line += 1
                i += 1
            } else if c == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                // An escaped character never closes the string; a line-ending backslash
                // leaves the newline to be counted above.
                i += 1
                if let next = peek(), next != UInt8(ascii: "\n") { i += 1 }
            } else if c == quote && peek(1) == quote && peek(2) == quote {
                i += 3
                // Up to two more quotes belong to the content ("""a"""" ends with a quote).
                var extra = 0
                while extra < 2, peek() == quote { i += 1; extra += 1 }
                return
            } else {
                i += 1
            }
        }
    }

    private mutating func parseArray(at path: TOMLPath) {
        i += 1
        var index = 0
        while true {
            skipBlankAndComments()
            guard let c = peek() else { return }
            if c == UInt8(ascii: "]") { i += 1; return }
            if c == UInt8(ascii: ",") { i += 1; continue }
            let element = path.appending(index: index)
            record(element, line: line)
            let before = i
            parseValue(at: element)
            if i == before { i += 1 }
            index += 1
        }
    }

    private mutating func parseInlineTable(at path: TOMLPath) {
        i += 1
        while true {
            skipBlankAndComments()
            guard let c = peek() else { return }
            if c == UInt8(ascii: "}") { i += 1; return }
            if c == UInt8(ascii: ",") { i += 1; continue }
            let startLine = line
            let keys = parseKey()
            skipSpaces()
            guard !keys.isEmpty, peek() == UInt8(ascii: "=") else {
                // Not key = value: step over one byte so the loop always advances.
                if peek() != nil { i += 1 }
                continue
            }
            i += 1
            var member = path
            for key in keys { member = member.appending(key) }
            recordWithAncestors(member, below: path, line: startLine)
            parseValue(at: member)
        }
    }

    // MARK: whitespace

    private mutating func skipSpaces() {
        while let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { i += 1 }
    }

    private mutating func skipComment() {
        guard peek() == UInt8(ascii: "#") else { return }
        while let c = peek(), c != UInt8(ascii: "\n") { i += 1 }
    }

    private mutating func skipBlankAndComments() {
        while true {
            skipSpaces()
            skipComment()
            guard peek() == UInt8(ascii: "\n") else { return }
            line += 1
            i += 1
        }
    }

    /// After a statement: anything left on the line is a comment (or, in text the parser
    /// would refuse, junk); step past the newline.
    private mutating func skipToNextLine() {
        while let c = peek(), c != UInt8(ascii: "\n") { i += 1 }
        if peek() == UInt8(ascii: "\n") {
            line += 1
            i += 1
        }
    }
}
