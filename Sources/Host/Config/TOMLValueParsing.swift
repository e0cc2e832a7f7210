/// Values: which kind starts at the cursor, and the two containers, arrays and inline
/// tables. Strings, numbers and dates have files of their own.
extension TOMLParser {
    /// The value at the cursor. `depth` is the nesting level of the table or array that
    /// will hold it; `key` names it in messages.
    mutating func parseValue(depth: Int, key: [String]) throws(TOMLSyntaxError) -> TOMLNode {
        let c = peek()
        switch c {
        case TOMLByte.quote:
            return .string(peek(1) == c && peek(2) == c ? try parseMultiLineBasicString() : try parseBasicString())
        case TOMLByte.apostrophe:
            return .string(peek(1) == c && peek(2) == c ? try parseMultiLineLiteralString() : try parseLiteralString())
        case TOMLByte.openBracket:
            return try parseArray(depth: depth + 1, key: key)
        case TOMLByte.openBrace:
            return try parseInlineTable(depth: depth + 1)
        case TOMLByte.end, TOMLByte.lineFeed, TOMLByte.carriageReturn, TOMLByte.hash:
            throw fail("expected a value for key \(TOMLParser.display(key)), found \(describeHere())")
        default:
            if TOMLByte.isDigit(c) || c == TOMLByte.plus || c == TOMLByte.minus {
                return try parseNumberOrDateTime()
            }
            if TOMLByte.isLetter(c) { return try parseWord(key: key) }
            throw fail("expected a value for key \(TOMLParser.display(key)), found \(describeHere())")
        }
    }

    /// `true`, `false`, `inf`, `nan`, or text someone forgot to quote.
    private mutating func parseWord(key: [String]) throws(TOMLSyntaxError) -> TOMLNode {
        let start = i
        while TOMLByte.isBareKey(peek()) || peek() == TOMLByte.dot { i += 1 }
        let word = bytes[start..<i]
        if word.elementsEqual("true".utf8) { return .bool(true) }
        if word.elementsEqual("false".utf8) { return .bool(false) }
        if word.elementsEqual("inf".utf8) { return .float(.infinity) }
        if word.elementsEqual("nan".utf8) { return .float(.nan) }
        i = start
        throw fail("the value of \(TOMLParser.display(key)) is not valid TOML: text must be quoted "
            + "(\"\(String(decoding: word, as: UTF8.self))\"); unquoted are only true, false, numbers, dates and times")
    }

    /// `[ v, v, ]`: any values, newlines and comments between them, a trailing comma.
    private mutating func parseArray(depth: Int, key: [String]) throws(TOMLSyntaxError) -> TOMLNode {
        try checkDepth(depth)
        let openLine = line
        i += 1
        var elements: [TOMLNode] = []
        while true {
            try skipArrayFiller()
            switch peek() {
            case TOMLByte.closeBracket:
                i += 1
                return .array(elements)
            case TOMLByte.comma:
                throw fail("expected a value or ']' in the array opened on line \(openLine), found ','")
            default:
                try refuseUnclosedArray(openLine)
            }
            elements.append(try parseValue(depth: depth, key: key))
            try skipArrayFiller()
            switch peek() {
            case TOMLByte.comma: i += 1
            case TOMLByte.closeBracket:
                i += 1
                return .array(elements)
            default:
                try refuseUnclosedArray(openLine)
                throw fail("expected ',' or ']' after an element of the array opened on line \(openLine), found \(describeHere())")
            }
        }
    }

    /// At the end of the file or a '}', the array cannot go on.
    private func refuseUnclosedArray(_ openLine: Int) throws(TOMLSyntaxError) {
        if peek() == TOMLByte.end {
            throw fail("the array opened on line \(openLine) is not closed with ']'")
        }
        if peek() == TOMLByte.closeBrace {
            throw fail("a closing bracket does not match its opening one: the array opened on line \(openLine) closes with ']', not '}'")
        }
    }

    /// Blanks, newlines and comments, which an array may hold between its values.
    private mutating func skipArrayFiller() throws(TOMLSyntaxError) {
        while true {
            skipBlanks()
            switch peek() {
            case TOMLByte.hash: skipComment()
            case TOMLByte.lineFeed, TOMLByte.carriageReturn: try consumeNewline()
            default: return
            }
        }
    }

    /// `{ k = v, k = v }`: on one line, no trailing comma, and complete once closed (TOML 1.0).
    private mutating func parseInlineTable(depth: Int) throws(TOMLSyntaxError) -> TOMLNode {
        try checkDepth(depth)
        let openLine = line
        i += 1
        let table = tree.newInlineTable(depth: depth, line: openLine)
        skipBlanks()
        if peek() == TOMLByte.closeBrace {
            i += 1
            return tree.node(of: table)
        }
        while true {
            skipBlanks()
            switch peek() {
            case TOMLByte.closeBrace:
                throw fail("no ',' may come before the '}' that closes an inline table (TOML 1.0)")
            case TOMLByte.lineFeed, TOMLByte.carriageReturn, TOMLByte.end:
                throw fail("an inline table must be written on one line (TOML 1.0): close it with '}' before the end of the line, or use a [table] header")
            default:
                break
            }
            _ = try parseKeyValue(into: table)
            skipBlanks()
            switch peek() {
            case TOMLByte.comma:
                i += 1
            case TOMLByte.closeBrace:
                i += 1
                return tree.node(of: table)
            case TOMLByte.lineFeed, TOMLByte.carriageReturn, TOMLByte.end, TOMLByte.hash:
                throw fail("an inline table must be written on one line (TOML 1.0): close it with '}' before the end of the line, or use a [table] header")
            case TOMLByte.closeBracket:
                throw fail("a closing bracket does not match its opening one: the inline table opened on line \(openLine) closes with '}', not ']'")
            default:
                throw fail("expected ',' or '}' after a value in the inline table, found \(describeHere())")
            }
        }
    }

    func checkDepth(_ depth: Int) throws(TOMLSyntaxError) {
        if depth > TOMLParser.maximumDepth {
            throw fail("tables, arrays and inline tables are nested more than \(TOMLParser.maximumDepth) levels deep")
        }
    }
}
