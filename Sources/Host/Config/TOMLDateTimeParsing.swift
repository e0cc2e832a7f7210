/// Offset date-times, local date-times, local dates and local times (RFC 3339 as TOML
/// 1.0 takes it). They are kept as text in one normalised spelling, so that config
/// comparison and JSON do not depend on how the admin wrote them:
/// date `YYYY-MM-DD`; time `HH:MM:SS` plus `.fraction` without trailing zeros (at most
/// nanoseconds: further digits are truncated, as TOML asks, not rounded); date-time
/// `dateTtime`, then `Z` for a zero offset or `±HH:MM`. A space or a lower-case `t`
/// between date and time becomes `T`, a `z` becomes `Z`.
extension TOMLParser {
    /// `YYYY-MM-DD`, optionally followed by `T`, `t` or a space and a time.
    mutating func parseDateOrDateTime() throws(TOMLSyntaxError) -> TOMLNode {
        let start = i
        guard let year = fixedDigits(4), consume(TOMLByte.minus),
              let month = fixedDigits(2), consume(TOMLByte.minus),
              let day = fixedDigits(2)
        else {
            // The whole word, as the admin wrote it: the bad character alone says little.
            var end = start
            while end < bytes.count && end - start < 40 && !" \t\r\n,]}#".utf8.contains(bytes[end]) { end += 1 }
            throw fail("expected a date as YYYY-MM-DD (e.g. 1979-05-27), not \"\(String(decoding: bytes[start..<end], as: UTF8.self))\"")
        }
        guard (1...12).contains(month) else {
            throw fail("invalid date: month \(TOMLDateText.pad(month, 2)) is not 01 to 12")
        }
        let days = TOMLDateText.daysIn(month: month, year: year)
        guard (1...days).contains(day) else {
            throw fail("invalid date: day \(TOMLDateText.pad(day, 2)) is not 01 to \(days) (the days of month \(TOMLDateText.pad(month, 2)) in \(TOMLDateText.pad(year, 4)))")
        }
        let date = TOMLDateText.pad(year, 4) + "-" + TOMLDateText.pad(month, 2) + "-" + TOMLDateText.pad(day, 2)
        let separator = peek()
        if separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") {
            i += 1
            guard looksLikeTime() else { throw fail("a date followed by 'T' needs a time (HH:MM:SS)") }
        } else if separator == TOMLByte.space && TOMLByte.isDigit(peek(1)) {
            i += 1
            guard looksLikeTime() else {
                throw fail("a date, a space and a digit start a date-time: the time must follow as HH:MM:SS")
            }
        } else {
            return .date(date)
        }
        let time = try parseTime()
        return .dateTime(date + "T" + time + (try parseOffset()))
    }

    /// `HH:MM:SS[.fraction]` on its own.
    mutating func parseLocalTime() throws(TOMLSyntaxError) -> TOMLNode {
        .time(try parseTime())
    }

    private func looksLikeTime() -> Bool {
        TOMLByte.isDigit(peek()) && TOMLByte.isDigit(peek(1)) && peek(2) == TOMLByte.colon
    }

    private mutating func parseTime() throws(TOMLSyntaxError) -> String {
        guard let hour = fixedDigits(2), consume(TOMLByte.colon), let minute = fixedDigits(2) else {
            throw fail("expected a time as HH:MM:SS (e.g. 07:32:00), found \(describeHere())")
        }
        guard consume(TOMLByte.colon), let second = fixedDigits(2) else {
            throw fail("a time needs seconds: HH:MM:SS (TOML 1.0), found \(describeHere()) after the minutes")
        }
        guard hour <= 23 else { throw fail("invalid time: hour \(TOMLDateText.pad(hour, 2)) is not 00 to 23") }
        guard minute <= 59 else { throw fail("invalid time: minute \(TOMLDateText.pad(minute, 2)) is not 00 to 59") }
        // 60 is a leap second.
        guard second <= 60 else { throw fail("invalid time: second \(TOMLDateText.pad(second, 2)) is not 00 to 60") }
        var text = TOMLDateText.pad(hour, 2) + ":" + TOMLDateText.pad(minute, 2) + ":" + TOMLDateText.pad(second, 2)
        if consume(TOMLByte.dot) {
            let start = i
            while TOMLByte.isDigit(peek()) { i += 1 }
            guard i > start else { throw fail("a time needs digits after the '.' of its seconds") }
            var fraction = Array(bytes[start..<min(i, start + 9)])
            while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
            if !fraction.isEmpty { text += "." + String(decoding: fraction, as: UTF8.self) }
        }
        return text
    }

    /// `Z`, `z`, `+HH:MM`, `-HH:MM`, or nothing (a local date-time).
    private mutating func parseOffset() throws(TOMLSyntaxError) -> String {
        let c = peek()
        if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
            i += 1
            return "Z"
        }
        guard c == TOMLByte.plus || c == TOMLByte.minus else { return "" }
        i += 1
        guard let hours = fixedDigits(2), consume(TOMLByte.colon), let minutes = fixedDigits(2) else {
            throw fail("expected a time offset as +HH:MM or -HH:MM after the time, found \(describeHere())")
        }
        guard hours <= 23, minutes <= 59 else {
            throw fail("invalid time offset: hours must be 00 to 23 and minutes 00 to 59")
        }
        if hours == 0 && minutes == 0 { return "Z" }
        return (c == TOMLByte.plus ? "+" : "-") + TOMLDateText.pad(hours, 2) + ":" + TOMLDateText.pad(minutes, 2)
    }

    /// Exactly `count` ASCII digits at the cursor, consumed; nil (cursor unmoved) otherwise.
    private mutating func fixedDigits(_ count: Int) -> Int? {
        var value = 0
        for k in 0..<count {
            let c = peek(k)
            guard TOMLByte.isDigit(c) else { return nil }
            value = value * 10 + Int(c - 0x30)
        }
        i += count
        return value
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        i += 1
        return true
    }
}

enum TOMLDateText {
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
