/// Finds a table header whose name does not start where TOML says it must.
///
/// toml++ 3 (inside TOMLKit) asserts — abort() in our builds, undefined behaviour with
/// NDEBUG — when a document-level "[" or "[[" is followed (after spaces) by anything but a
/// key character, a quote or "]" ("[\n", "[.", found by fuzz-config). TOML refuses such a
/// header anyway, so this scan refuses it first, with its line. It tracks just enough
/// syntax to tell a header from an array inside a value: strings (all four kinds),
/// comments, and bracket depth after "=". Anything else it leaves to toml++.
///
/// It also refuses a local date followed by "T" and no digit ("1979-05-27T&7:32"), on
/// which toml++ asserts in its time parser (fuzz-config again), a value, a space and a
/// lone digit ("1979-05-27 0]", an assert in parse_value), and a value whose closing
/// bracket does not match its opening one ("a = [}"), on which toml++ asserts in
/// parse_value.
enum TOMLHeaderCheck {
    enum Problem: Equatable {
        case headerWithoutName(line: Int)
        case dateTimeWithoutTime(line: Int)
        case mismatchedBracket(line: Int)
        case loneDigitAfterValue(line: Int)
    }

    /// The 1-based line of the first bad header, or nil.
    static func firstBadHeader(_ text: String) -> Int? {
        if case let .headerWithoutName(line) = firstProblem(text) { return line }
        return nil
    }

    /// The first construct toml++ cannot be trusted with, or nil.
    static func firstProblem(_ text: String) -> Problem? {
        let b = Array(text.utf8)
        var i = 0, line = 1
        var inValue = false, depth = 0
        // The openers of the value being read, innermost last.
        var openers: [UInt8] = []
        // Where the last key/value "=" stood, and whether the next "=" is one (a key comes
        // next at a line's start and after "{" or "," in an inline table); any other "="
        // is part of a value to toml++ ("1979-05-2=").
        var separatorAt = -1, expectSeparator = true
        @inline(__always) func at(_ k: Int) -> UInt8 { k < b.count ? b[k] : 0 }
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        /// "YYYY-MM-DD" ends right before `k`.
        func followsDate(_ k: Int) -> Bool {
            k >= 10 && b[k - 3] == UInt8(ascii: "-") && b[k - 6] == UInt8(ascii: "-")
                && [1, 2, 4, 5, 7, 8, 9, 10].allSatisfy { isDigit(b[k - $0]) }
        }
        @inline(__always) func startsKey(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A)
                || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "'") || c == UInt8(ascii: "]")
        }
        /// Skips a string starting at `i` (quote `q`), counting its newlines.
        func skipString(_ q: UInt8) {
            let multi = at(i + 1) == q && at(i + 2) == q
            i += multi ? 3 : 1
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\n") {
                    // An unterminated one-line string ends here; the caller counts the line.
                    if !multi { return }
                    line += 1
                }
                if c == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; continue }
                if c == q && (!multi || (at(i + 1) == q && at(i + 2) == q)) {
                    i += multi ? 3 : 1
                    // A multi-line string may end with up to two more quotes of its own.
                    while multi && at(i) == q { i += 1 }
                    return
                }
                i += 1
            }
        }
        /// toml++'s own reading of a value that starts with a digit or a sign at `k`: it
        /// takes every byte up to a terminator (quotes and "=" included), and when that
        /// is 10 characters (underscores not counted) with "-" at 4 and 7 and a space
        /// follows, it reads a time after the space; one digit and then anything but a
        /// digit trips its parse_value assert ("l=3957-05-$\" 1 ", fuzz-config). Such text
        /// is never valid TOML (a time has two digits), so it is refused.
        func isDateWithLoneDigit(_ k: Int) -> Bool {
            var j = k, chars: [UInt8] = []
            while j < b.count, !" \t\r\n]},#".utf8.contains(b[j]), chars.count <= 10 {
                if b[j] != UInt8(ascii: "_") { chars.append(b[j]) }
                j += 1
            }
            return chars.count == 10 && chars[4] == UInt8(ascii: "-") && chars[7] == UInt8(ascii: "-")
                && at(j) == UInt8(ascii: " ") && isDigit(at(j + 1)) && j + 2 < b.count && !isDigit(at(j + 2))
        }
        while i < b.count {
            let c = b[i]
            if inValue && (isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-"))
                && (i == 0 || " \t\r\n=[{,".utf8.contains(b[i - 1])) && isDateWithLoneDigit(i) {
                return .loneDigitAfterValue(line: line)
            }
            switch c {
            case UInt8(ascii: "\n"):
                line += 1
                if depth == 0 { inValue = false }
                i += 1
            case UInt8(ascii: "#"):
                while i < b.count && b[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(c)
            case UInt8(ascii: "="):
                if !inValue || expectSeparator {
                    separatorAt = i
                    expectSeparator = false
                }
                if depth == 0 { inValue = true }
                i += 1
            case UInt8(ascii: ","):
                if inValue && openers.last == UInt8(ascii: "{") { expectSeparator = true }
                i += 1
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if inValue {
                    depth += 1
                    openers.append(c)
                    if c == UInt8(ascii: "{") { expectSeparator = true }
                    i += 1
                } else if c == UInt8(ascii: "[") {
                    // A header: "[" or "[[", spaces, then the name.
                    i += at(i + 1) == UInt8(ascii: "[") ? 2 : 1
                    while at(i) == UInt8(ascii: " ") || at(i) == UInt8(ascii: "\t") { i += 1 }
                    if i < b.count && !startsKey(b[i]) { return .headerWithoutName(line: line) }
                    // The rest of the header line holds no value.
                    while i < b.count && b[i] != UInt8(ascii: "\n") && b[i] != UInt8(ascii: "#") {
                        if b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") { skipString(b[i]) } else { i += 1 }
                    }
                } else {
                    i += 1
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if inValue && depth > 0 {
                    let expected = openers.removeLast() == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
                    if c != expected { return .mismatchedBracket(line: line) }
                    depth -= 1
                }
                i += 1
            case UInt8(ascii: "T"), UInt8(ascii: "t"):
                // "YYYY-MM-DD" right before, not a digit right after.
                if inValue && followsDate(i) && !isDigit(at(i + 1)) {
                    return .dateTimeWithoutTime(line: line)
                }
                i += 1
            case UInt8(ascii: " "):
                // toml++ reads a value that may be a date with a space before its time
                // ("1979-05-27 07:32:00") by scanning on after the space when the digit
                // after it is followed by more; on one digit and a terminator it asserts
                // in parse_value ("1979-05-27 0]", "l=3=58-05-27 0", fuzz-config). After a
                // value, a space and a digit start nothing but a time, and a time has two
                // digits, so a lone digit there is refused. The characters before the space
                // that start a value or a key (the key/value "=", [, {, ., ',') or end one
                // (], }) are not a value's last character.
                if inValue && isDigit(at(i + 1)) && !isDigit(at(i + 2)) && i > 0 && i - 1 != separatorAt
                    && !" \t\r\n[{.,]}#".utf8.contains(b[i - 1]) {
                    return .loneDigitAfterValue(line: line)
                }
                i += 1
            default:
                i += 1
            }
        }
        return nil
    }
}
