/// Appends little-endian fixed-width values to a byte buffer: the building block of
/// small versioned binary files (models, cursors) that plugins keep in their state
/// directory. Not thread-safe (a value type).
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func append(_ value: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) } }
    public mutating func append(_ value: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) } }
    public mutating func append(_ value: Int64) { append(UInt64(bitPattern: value)) }
    public mutating func append(_ value: Double) { append(value.bitPattern) }
    public mutating func append(_ value: Float) { append(value.bitPattern) }
    public mutating func append(_ value: Int16) {
        let u = UInt16(bitPattern: value)
        bytes.append(UInt8(truncatingIfNeeded: u))
        bytes.append(UInt8(truncatingIfNeeded: u >> 8))
    }
    /// A length-prefixed UTF-8 string.
    public mutating func append(_ value: String) {
        let utf8 = Array(value.utf8)
        append(UInt32(utf8.count))
        bytes += utf8
    }
    public mutating func append(bytes more: [UInt8]) { bytes += more }

    /// Appends the FNV-1a 64 checksum of everything written so far.
    public mutating func appendChecksum() { append(Checksum.fnv1a64(bytes[...])) }
}

/// Reads what `ByteWriter` wrote; every read fails with a reason instead of trapping on
/// truncated input.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - position }

    private mutating func take(_ count: Int) throws(IsolationForestError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else {
            throw .corruptModel("truncated at byte \(position) (wanted \(count) more bytes, \(remaining) left)")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    public mutating func uint32() throws(IsolationForestError) -> UInt32 {
        var v: UInt32 = 0
        for (i, b) in try take(4).enumerated() { v |= UInt32(b) << (8 * i) }
        return v
    }

    public mutating func uint64() throws(IsolationForestError) -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * i) }
        return v
    }

    public mutating func int64() throws(IsolationForestError) -> Int64 { Int64(bitPattern: try uint64()) }
    public mutating func double() throws(IsolationForestError) -> Double { Double(bitPattern: try uint64()) }
    public mutating func float() throws(IsolationForestError) -> Float { Float(bitPattern: try uint32()) }

    public mutating func int16() throws(IsolationForestError) -> Int16 {
        let s = try take(2)
        return Int16(bitPattern: UInt16(s[s.startIndex]) | UInt16(s[s.startIndex + 1]) << 8)
    }

    public mutating func string(maxLength: Int = 1 << 16) throws(IsolationForestError) -> String {
        let n = Int(try uint32())
        guard n <= maxLength else { throw .corruptModel("string of \(n) bytes at byte \(position)") }
        return String(decoding: try take(n), as: UTF8.self)
    }

    public mutating func rawBytes(_ count: Int) throws(IsolationForestError) -> [UInt8] { Array(try take(count)) }

    /// Checks that the last 8 bytes are the FNV-1a 64 checksum of everything before them;
    /// call first, before trusting any length field.
    public func verifyTrailingChecksum() throws(IsolationForestError) {
        guard bytes.count >= 8 else { throw .corruptModel("file too short for a checksum (\(bytes.count) bytes)") }
        let body = bytes[..<(bytes.count - 8)]
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(bytes[bytes.count - 8 + i]) << (8 * i) }
        guard Checksum.fnv1a64(body) == stored else { throw .corruptModel("checksum mismatch") }
    }
}

/// Checksums for files a plugin writes and must recognise as damaged.
public enum Checksum {
    /// FNV-1a, 64 bit: enough to catch truncation and bit rot, not tampering.
    public static func fnv1a64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
