/// A cursor over the bytes of a /proc file, for parsing without building Strings.
///
/// /proc text is ASCII: fields separated by spaces or tabs, records by newlines.
/// Every method stops at the end of the current line unless it says otherwise, so a
/// short or malformed line cannot make a parser read the next record's fields.
struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    @inline(__always)
    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// Skips spaces and tabs (not newlines).
    mutating func skipBlanks() {
        while position < bytes.count, Self.isBlank(bytes[position]) { position += 1 }
    }

    /// Moves to the first byte after the next newline (or to the end).
    mutating func nextLine() {
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if b == 0x0A { return }
        }
    }

    /// The next run of non-blank bytes on this line (empty at the end of the line).
    mutating func word() -> Range<Int> {
        skipBlanks()
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            if Self.isBlank(b) || b == 0x0A { break }
            position += 1
        }
        return start..<position
    }

    /// Like `word()`, but also stops before `terminator` (e.g. ':' in /proc/net/dev).
    mutating func word(upTo terminator: UInt8) -> Range<Int> {
        skipBlanks()
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            if Self.isBlank(b) || b == 0x0A || b == terminator { break }
            position += 1
        }
        return start..<position
    }

    /// Skips `n` words on this line.
    mutating func skipWords(_ n: Int) {
        for _ in 0..<n { _ = word() }
    }

    /// Skips one byte if it is `b`; true if it was.
    mutating func skip(_ b: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == b else { return false }
        position += 1
        return true
    }

    /// The next unsigned decimal on this line, or nil when the next word is not one.
    /// Values beyond UInt64 saturate rather than fail: a counter that large is
    /// still better reported than dropped.
    mutating func uint64() -> UInt64? {
        skipBlanks()
        let start = position
        var value: UInt64 = 0
        while position < bytes.count {
            let b = bytes[position]
            guard b >= 0x30, b <= 0x39 else { break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            value = (o1 || o2) ? .max : s
            position += 1
        }
        return position > start ? value : nil
    }

    /// The next non-negative decimal fraction ("0.25", "12") on this line. The
    /// fraction is read as an integer and divided once, so "0.35" is exactly the
    /// Double nearest 0.35 (adding 3 × 0.1 + 5 × 0.01 would not be).
    mutating func decimal() -> Double? {
        guard let whole = uint64() else { return nil }
        guard position < bytes.count, bytes[position] == UInt8(ascii: ".") else { return Double(whole) }
        position += 1
        var fraction: UInt64 = 0
        var scale: UInt64 = 1
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            // Digits beyond 18 cannot change a Double built from this; skip them.
            if scale < 1_000_000_000_000_000_000 {
                fraction = fraction * 10 + UInt64(bytes[position] - 0x30)
                scale *= 10
            }
            position += 1
        }
        return Double(whole) + Double(fraction) / Double(scale)
    }

    /// Whether the bytes in `range` spell `literal`.
    func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for i in 0..<range.count where bytes[range.lowerBound + i] != p[i] { return false }
        return true
    }

    /// Whether the bytes in `range` start with `literal`.
    func hasPrefix(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count >= literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount where bytes[range.lowerBound + i] != p[i] { return false }
        return true
    }

    /// The bytes in `range` as a String. Names in /proc (interfaces, devices, comm)
    /// are at most 15 bytes, which Swift stores inline without allocating.
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Parses an unsigned decimal that fills `range` exactly.
    func uint64(in range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for i in range {
            let b = bytes[i]
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value &* 10 &+ UInt64(b - 0x30)
        }
        return value
    }
}

/// Runs `body` over the UTF-8 bytes of `text`; lets tests feed fixture text to parsers.
func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try Array(text.utf8).withUnsafeBufferPointer(body)
}
