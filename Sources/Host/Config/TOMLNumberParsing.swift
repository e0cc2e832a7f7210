/// Integers and floats, and the dispatch to dates and times (which also start with a digit).
extension TOMLParser {
    mutating func parseNumberOrDateTime() throws(TOMLSyntaxError) -> TOMLNode {
        // "1979-05-27…" and "07:32:00…" are told apart from numbers by their fourth or
        // second character, as nothing numeric has a '-' or ':' there.
        if TOMLByte.isDigit(peek()) && TOMLByte.isDigit(peek(1)) {
            if peek(2) == TOMLByte.colon { return try parseLocalTime() }
            if TOMLByte.isDigit(peek(2)) && TOMLByte.isDigit(peek(3)) && peek(4) == TOMLByte.minus {
                return try parseDateOrDateTime()
            }
        }
        let start = i
        while TOMLByte.isBareKey(peek()) || peek() == TOMLByte.dot || peek() == TOMLByte.plus { i += 1 }
        let token = bytes[start..<i]
        do {
            return try TOMLNumberText.parse(token)
        } catch {
            throw fail("invalid number \(String(decoding: token, as: UTF8.self)): \(error.reason)")
        }
    }
}

/// The numeric grammar of TOML on one token (the bytes up to a blank, ',', ']', '}', '#'
/// or newline). Kept apart from the cursor so that tests can call it on its own.
enum TOMLNumberText {
    struct Invalid: Error {
        var reason: String
    }

    static func parse(_ token: ArraySlice<UInt8>) throws(Invalid) -> TOMLNode {
        var rest = token
        let sign = rest.first == TOMLByte.plus || rest.first == TOMLByte.minus ? rest.removeFirst() : nil
        let negative = sign == TOMLByte.minus
        if rest.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if rest.elementsEqual("nan".utf8) { return .float(negative ? -.nan : .nan) }
        guard let first = rest.first else { throw Invalid(reason: "a sign needs digits after it") }
        if first == UInt8(ascii: "0"), rest.count >= 2, let radix = prefixRadix(rest[rest.startIndex + 1]) {
            guard sign == nil else {
                throw Invalid(reason: "hexadecimal, octal and binary integers take no sign")
            }
            let magnitude = try digits(rest.dropFirst(2), radix: radix)
            guard magnitude <= UInt64(Int64.max) else { throw outOfRange }
            return .integer(Int64(magnitude))
        }
        if rest.contains(where: { $0 == TOMLByte.dot || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return .float(try float(rest, negative: negative))
        }
        try refuseLeadingZero(rest)
        let magnitude = try digits(rest, radix: 10)
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw outOfRange }
            return .integer(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { throw outOfRange }
        return .integer(Int64(magnitude))
    }

    private static var outOfRange: Invalid {
        Invalid(reason: "outside the 64-bit integer range -9223372036854775808...9223372036854775807")
    }

    private static func prefixRadix(_ c: UInt8) -> UInt64? {
        switch c {
        case UInt8(ascii: "x"): return 16
        case UInt8(ascii: "o"): return 8
        case UInt8(ascii: "b"): return 2
        default: return nil
        }
    }

    /// "0" alone, or a first digit other than 0: TOML refuses leading zeros (no octal by accident).
    private static func refuseLeadingZero(_ part: ArraySlice<UInt8>) throws(Invalid) {
        if part.first == UInt8(ascii: "0") && part.count > 1 {
            throw Invalid(reason: "a decimal number cannot start with a leading zero")
        }
    }

    /// Digits of `radix` with single underscores between digits; the value, refusing
    /// anything beyond UInt64 (the caller narrows to Int64).
    private static func digits(_ part: ArraySlice<UInt8>, radix: UInt64) throws(Invalid) -> UInt64 {
        try checkUnderscores(part)
        var value: UInt64 = 0
        for c in part where c != TOMLByte.underscore {
            guard let digit = TOMLByte.hexValue(c).map(UInt64.init), digit < radix else {
                throw Invalid(reason: "'\(String(decoding: [c], as: UTF8.self))' is not a digit of a base-\(radix) number")
            }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            if overflow1 || overflow2 { throw outOfRange }
            value = sum
        }
        return value
    }

    /// Non-empty, and each underscore between two digits.
    private static func checkUnderscores(_ part: ArraySlice<UInt8>) throws(Invalid) {
        guard let first = part.first, let last = part.last else { throw Invalid(reason: "digits are missing") }
        if first == TOMLByte.underscore || last == TOMLByte.underscore
            || zip(part, part.dropFirst()).contains(where: { $0 == TOMLByte.underscore && $1 == TOMLByte.underscore }) {
            throw Invalid(reason: "an underscore must stand between two digits")
        }
    }

    /// Integer part, optional fraction after '.', optional exponent after 'e' or 'E'
    /// (signed, leading zeros allowed); at least one of the two.
    private static func float(_ unsigned: ArraySlice<UInt8>, negative: Bool) throws(Invalid) -> Double {
        var mantissa = unsigned
        var exponent: ArraySlice<UInt8>?
        if let e = unsigned.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = unsigned[..<e]
            exponent = unsigned[(e + 1)...]
        }
        var integer = mantissa
        var fraction: ArraySlice<UInt8>?
        if let dot = mantissa.firstIndex(of: TOMLByte.dot) {
            integer = mantissa[..<dot]
            fraction = mantissa[(dot + 1)...]
        }
        try requireDecimalDigits(integer, "before the '.' or exponent")
        try refuseLeadingZero(integer)
        if let fraction { try requireDecimalDigits(fraction, "after the '.'") }
        if var exponent {
            if exponent.first == TOMLByte.plus || exponent.first == TOMLByte.minus { exponent.removeFirst() }
            try requireDecimalDigits(exponent, "in the exponent")
        }
        var text = negative ? "-" : ""
        text.unicodeScalars.append(contentsOf: unsigned.lazy.filter { $0 != TOMLByte.underscore }.map { Unicode.Scalar($0) })
        guard let value = Double(text) else { throw Invalid(reason: "not a float") }
        guard value.isFinite else { throw Invalid(reason: "too large for a 64-bit float") }
        return value
    }

    private static func requireDecimalDigits(_ part: ArraySlice<UInt8>, _ where_: String) throws(Invalid) {
        guard !part.isEmpty else { throw Invalid(reason: "a float needs digits \(where_)") }
        try checkUnderscores(part)
        if let bad = part.first(where: { !TOMLByte.isDigit($0) && $0 != TOMLByte.underscore }) {
            throw Invalid(reason: "'\(String(decoding: [bad], as: UTF8.self))' is not a digit")
        }
    }
}
