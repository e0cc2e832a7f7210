/// The four kinds of TOML string. The input is a Swift `String`, so its bytes are valid
/// UTF-8 and are copied through as they are; escapes add only Unicode scalar values. So
/// every string built here is valid UTF-8 too.
extension TOMLParser {
    /// `"…"` with escapes, on one line.
    mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            let c = peek()
            switch c {
            case TOMLByte.quote:
                i += 1
                return String(decoding: out, as: UTF8.self)
            case TOMLByte.backslash:
                try parseEscape(into: &out)
            case TOMLByte.lineFeed, TOMLByte.carriageReturn, TOMLByte.end:
                throw fail("a string in \"…\" must end with '\"' on the same line (use \"\"\"…\"\"\" for a multi-line string)")
            default:
                out.append(c)
                i += 1
            }
        }
    }

    /// `'…'`, no escapes, on one line.
    mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        i += 1
        let start = i
        while true {
            switch peek() {
            case TOMLByte.apostrophe:
                i += 1
                return String(decoding: bytes[start..<(i - 1)], as: UTF8.self)
            case TOMLByte.lineFeed, TOMLByte.carriageReturn, TOMLByte.end:
                throw fail("a string in '…' must end with \"'\" on the same line (use '''…''' for a multi-line string)")
            default:
                i += 1
            }
        }
    }

    /// `"""…"""`: escapes, newlines, and a backslash at the end of a line that swallows
    /// the line break and the blanks after it.
    mutating func parseMultiLineBasicString() throws(TOMLSyntaxError) -> String {
        let openLine = line
        i += 3
        try trimNewlineAfterOpeningDelimiter()
        var out: [UInt8] = []
        while true {
            let c = peek()
            switch c {
            case TOMLByte.quote:
                if closeMultiLine(TOMLByte.quote, into: &out) { return String(decoding: out, as: UTF8.self) }
            case TOMLByte.backslash:
                if isLineEndingBackslash() {
                    i += 1
                    while true {
                        skipBlanks()
                        guard peek() == TOMLByte.lineFeed || peek() == TOMLByte.carriageReturn else { break }
                        try consumeNewline()
                    }
                } else {
                    try parseEscape(into: &out)
                }
            case TOMLByte.lineFeed, TOMLByte.carriageReturn:
                // CR LF becomes LF: what the config means does not depend on the editor.
                try consumeNewline()
                out.append(TOMLByte.lineFeed)
            case TOMLByte.end:
                throw fail("the multi-line string opened on line \(openLine) is not closed with \"\"\"")
            default:
                out.append(c)
                i += 1
            }
        }
    }

    /// `'''…'''`: taken as written, newlines included.
    mutating func parseMultiLineLiteralString() throws(TOMLSyntaxError) -> String {
        let openLine = line
        i += 3
        try trimNewlineAfterOpeningDelimiter()
        var out: [UInt8] = []
        while true {
            let c = peek()
            switch c {
            case TOMLByte.apostrophe:
                if closeMultiLine(TOMLByte.apostrophe, into: &out) { return String(decoding: out, as: UTF8.self) }
            case TOMLByte.lineFeed, TOMLByte.carriageReturn:
                try consumeNewline()
                out.append(TOMLByte.lineFeed)
            case TOMLByte.end:
                throw fail("the multi-line string opened on line \(openLine) is not closed with '''")
            default:
                out.append(c)
                i += 1
            }
        }
    }

    /// A newline right after `"""` or `'''` is not part of the string.
    private mutating func trimNewlineAfterOpeningDelimiter() throws(TOMLSyntaxError) {
        if peek() == TOMLByte.lineFeed || peek() == TOMLByte.carriageReturn { try consumeNewline() }
    }

    /// At a run of `quote`s inside a multi-line string: fewer than three are content;
    /// three to five close it, the first one or two of them being content (`""""` ends a
    /// string with one quote). Returns true when the string closed.
    private mutating func closeMultiLine(_ quote: UInt8, into out: inout [UInt8]) -> Bool {
        var run = 0
        while peek(run) == quote && run < 5 { run += 1 }
        if run < 3 {
            out.append(contentsOf: repeatElement(quote, count: run))
            i += run
            return false
        }
        out.append(contentsOf: repeatElement(quote, count: run - 3))
        i += run
        return true
    }

    /// A backslash followed by blanks and a newline.
    private func isLineEndingBackslash() -> Bool {
        var k = 1
        while peek(k) == TOMLByte.space || peek(k) == TOMLByte.tab { k += 1 }
        return peek(k) == TOMLByte.lineFeed || peek(k) == TOMLByte.carriageReturn
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX` at the cursor (on the backslash).
    private mutating func parseEscape(into out: inout [UInt8]) throws(TOMLSyntaxError) {
        i += 1
        let c = peek()
        let simple: UInt8?
        switch c {
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case TOMLByte.quote: simple = TOMLByte.quote
        case TOMLByte.backslash: simple = TOMLByte.backslash
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            simple = nil
        default:
            throw fail("invalid escape '\\' followed by \(describeHere()) in a string (TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX; write a backslash as \\\\ or use a 'literal string')")
        }
        if let simple {
            out.append(simple)
            i += 1
            return
        }
        let width = c == UInt8(ascii: "u") ? 4 : 8
        var value: UInt32 = 0
        for k in 1...width {
            guard let digit = TOMLByte.hexValue(peek(k)) else {
                throw fail("\\\(c == UInt8(ascii: "u") ? "u" : "U") needs \(width) hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
        }
        let hex = String(value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        guard let scalar = Unicode.Scalar(value) else {
            throw fail(value >= 0xD800 && value <= 0xDFFF
                ? "escape \(code) is a surrogate, not a Unicode character (write the character's own code point)"
                : "escape \(code) is beyond U+10FFFF, the last Unicode code point")
        }
        out.append(contentsOf: scalar.utf8)
        i += width + 1
    }
}

extension TOMLByte {
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
