/// Reads a TOML v1.0.0 document: the statements of the file (key/value pairs, `[table]`
/// and `[[array of tables]]` headers), the cursor over the UTF-8 bytes, and the error
/// positions. Values are read in TOMLValueParsing.swift and the files it names; the
/// tables are assembled, with TOML's redefinition rules, by `TOMLTableTree`.
///
/// It is our own rather than a library's because the config files come from admins and,
/// through fuzz-config, from a fuzzer: a malformed file must end in a `TOMLSyntaxError`
/// with its line, never in an abort, a leak or a stack overflow (nesting is capped at
/// `maximumDepth`, and nothing recurses deeper than that).
struct TOMLParser {
    /// Deepest nesting of tables, arrays and inline tables together. Far beyond any config
    /// (TOMLToJSON refuses more than 63 anyway); it bounds the recursion of the value
    /// parser and of everything that walks a `TOMLNode` afterwards.
    static let maximumDepth = 128

    let bytes: [UInt8]
    /// The cursor, an index into `bytes`.
    var i = 0
    /// The 1-based line the cursor is on (LF counts; CR only as part of CR LF).
    var line = 1
    var tree = TOMLTableTree()

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    mutating func parseDocument() throws(TOMLSyntaxError) -> [String: TOMLNode] {
        try refuseControlCharacters()
        // A UTF-8 byte order mark, as some Windows editors write it, is not content
        // (toml++, the parser before this one, skipped it too).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        // Key/value pairs go into the table of the last header (the root before any).
        var section = TOMLTableTree.root
        while i < bytes.count {
            skipBlanks()
            switch peek() {
            case TOMLByte.hash:
                skipComment()
            case TOMLByte.lineFeed, TOMLByte.carriageReturn:
                try consumeNewline()
            case TOMLByte.end:
                break
            case TOMLByte.openBracket:
                section = try parseHeader()
                try expectEndOfLine(after: "the table header")
            default:
                let key = try parseKeyValue(into: section)
                try expectEndOfLine(after: "the value of \(TOMLParser.display(key))")
            }
        }
        return tree.rootTable()
    }

    // MARK: Statements

    /// `[a.b]` or `[[a.b]]`; returns the table that the following pairs go into.
    private mutating func parseHeader() throws(TOMLSyntaxError) -> Int {
        let headerLine = line
        let isArrayOfTables = peek(1) == TOMLByte.openBracket
        i += isArrayOfTables ? 2 : 1
        skipBlanks()
        guard TOMLByte.startsKey(peek()) else {
            throw fail("a table header needs a name right after '\(isArrayOfTables ? "[[" : "[")' (a key or a quoted key)")
        }
        let key = try parseKey()
        skipBlanks()
        if isArrayOfTables {
            guard peek() == TOMLByte.closeBracket, peek(1) == TOMLByte.closeBracket else {
                throw fail("expected ']]' to close the header [[\(TOMLPath.keysText(key))]], found \(describeHere())")
            }
            i += 2
            return try tree.appendTable(at: key, line: headerLine)
        }
        guard peek() == TOMLByte.closeBracket else {
            throw fail("expected ']' to close the header [\(TOMLPath.keysText(key))], found \(describeHere())")
        }
        i += 1
        return try tree.defineTable(at: key, line: headerLine)
    }

    /// `key = value` into `table` (a section's table or an inline table being read).
    /// Returns the key, for the caller's messages.
    mutating func parseKeyValue(into table: Int) throws(TOMLSyntaxError) -> [String] {
        let keyLine = line
        let key = try parseKey()
        skipBlanks()
        guard peek() == TOMLByte.equals else {
            throw fail("expected '=' after key \(TOMLParser.display(key)), found \(describeHere())")
        }
        i += 1
        skipBlanks()
        // The value sits in the innermost table the dotted key names.
        let value = try parseValue(depth: tree.depth(of: table) + key.count - 1, key: key)
        try tree.assign(value, at: key, in: table, line: keyLine)
        return key
    }

    /// A key: simple keys (bare, "basic" or 'literal') joined by dots, blanks around dots.
    mutating func parseKey() throws(TOMLSyntaxError) -> [String] {
        var parts: [String] = []
        while true {
            skipBlanks()
            if parts.count >= TOMLParser.maximumDepth {
                throw fail("a dotted key of more than \(TOMLParser.maximumDepth) parts")
            }
            parts.append(try parseSimpleKey(afterDot: !parts.isEmpty))
            skipBlanks()
            guard peek() == TOMLByte.dot else { return parts }
            i += 1
        }
    }

    private mutating func parseSimpleKey(afterDot: Bool) throws(TOMLSyntaxError) -> String {
        let c = peek()
        if c == TOMLByte.quote || c == TOMLByte.apostrophe {
            if peek(1) == c && peek(2) == c {
                throw fail("a key cannot be a multi-line string")
            }
            return c == TOMLByte.quote ? try parseBasicString() : try parseLiteralString()
        }
        let start = i
        while TOMLByte.isBareKey(peek()) { i += 1 }
        guard i > start else {
            throw fail(afterDot ? "expected a key after '.', found \(describeHere())"
                : "expected a key (letters, digits, '_', '-', or a quoted key), found \(describeHere())")
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// After a statement: blanks, an optional comment, then a newline or the end of the file.
    private mutating func expectEndOfLine(after what: String) throws(TOMLSyntaxError) {
        skipBlanks()
        if peek() == TOMLByte.hash { skipComment() }
        switch peek() {
        case TOMLByte.lineFeed, TOMLByte.carriageReturn: try consumeNewline()
        case TOMLByte.end: return
        default: throw fail("expected the end of the line after \(what), found \(describeHere())")
        }
    }

    // MARK: Cursor

    /// The byte `offset` after the cursor, or `TOMLByte.end` (0) past the end. NUL cannot
    /// be mistaken for it: `refuseControlCharacters` has refused every NUL in the input.
    @inline(__always) func peek(_ offset: Int = 0) -> UInt8 {
        let k = i + offset
        return k < bytes.count ? bytes[k] : TOMLByte.end
    }

    mutating func skipBlanks() {
        while i < bytes.count && (bytes[i] == TOMLByte.space || bytes[i] == TOMLByte.tab) { i += 1 }
    }

    /// Up to the end of the line (the newline is left for the caller).
    mutating func skipComment() {
        while i < bytes.count && bytes[i] != TOMLByte.lineFeed && bytes[i] != TOMLByte.carriageReturn { i += 1 }
    }

    /// LF or CR LF at the cursor.
    mutating func consumeNewline() throws(TOMLSyntaxError) {
        if peek() == TOMLByte.carriageReturn {
            guard peek(1) == TOMLByte.lineFeed else {
                throw fail("a carriage return (CR) must be followed by a line feed (LF)")
            }
            i += 1
        }
        i += 1
        line += 1
    }

    func fail(_ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(line: line, message: message)
    }

    /// What is at the cursor, as an admin reads it: "'x'", "the end of the line".
    func describeHere() -> String {
        guard i < bytes.count else { return "the end of the file" }
        let c = bytes[i]
        switch c {
        case TOMLByte.lineFeed, TOMLByte.carriageReturn: return "the end of the line"
        case TOMLByte.tab: return "a tab"
        case TOMLByte.space: return "a space"
        default:
            // One whole character: a UTF-8 lead byte says how many bytes follow.
            let length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
            return "'" + String(decoding: bytes[i..<min(i + length, bytes.count)], as: UTF8.self) + "'"
        }
    }

    /// A key for messages: `"port"`, `"server.port"`, `"a"."b c"`.
    static func display(_ key: [String]) -> String {
        let text = TOMLPath.keysText(key)
        return key.allSatisfy(TOMLPath.isBare) ? "\"\(text)\"" : text
    }

    /// TOML allows no control character but tab, LF and CR anywhere (in strings they must
    /// be escaped). Checked first, over the whole file, so that the messages name the
    /// character whatever construct it is in, and so that NUL can end `peek()`.
    private func refuseControlCharacters() throws(TOMLSyntaxError) {
        guard let bad = bytes.firstIndex(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F })
        else { return }
        let badLine = bytes[..<bad].reduce(1) { $1 == TOMLByte.lineFeed ? $0 + 1 : $0 }
        let code = bytes[bad]
        let hex = String(code, radix: 16, uppercase: true)
        throw TOMLSyntaxError(line: badLine, message: code == 0 ? "NUL character in file"
            : "control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) in file (TOML allows only tab, LF and CR)")
    }
}

/// The bytes TOML's grammar is made of.
enum TOMLByte {
    static let end: UInt8 = 0
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let apostrophe: UInt8 = 0x27
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let colon: UInt8 = 0x3A
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    @inline(__always) static func isBareKey(_ c: UInt8) -> Bool {
        isDigit(c) || isLetter(c) || c == underscore || c == minus
    }

    static func startsKey(_ c: UInt8) -> Bool { isBareKey(c) || c == quote || c == apostrophe }
}

extension TOMLPath {
    /// Keys in TOML's dotted spelling, quoting those that are not bare.
    static func keysText(_ keys: [String]) -> String {
        TOMLPath(keys.map { .key($0) }).description
    }
}
