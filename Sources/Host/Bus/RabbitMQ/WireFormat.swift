/// The messages the RabbitMQ backend puts on the broker (docs/bus-format.md is the
/// reference for other consumers). Version 1, little-endian throughout.
///
/// Series ids never cross the wire: they are dense per process. A points message carries
/// a table of the series it uses (name + sorted labels, `host` included) and points refer
/// to rows of that table; the receiver interns the rows into its own registry.
public enum WireFormat {
    public static let version: UInt8 = 1
    public static let pointsKind: UInt8 = 1
    public static let alertKind: UInt8 = 2
    public static let pointsContentType = "application/x-nazar-points"
    public static let alertContentType = "application/x-nazar-alert"
    /// Bytes of one point on the wire: u32 series row, i64 timestamp, f64 value.
    public static let pointSize = 20
    /// Bytes before the series table: version, kind, u16 series count, u32 point count.
    public static let pointsHeaderSize = 8
}

/// Why a message could not be decoded; `offset` is the byte where decoding stopped.
public struct WireFormatError: Error, Equatable, CustomStringConvertible, Sendable {
    public var offset: Int
    public var reason: String
    public var description: String { "bus message: \(reason) at byte \(offset)" }
}

/// Little-endian appends into a byte array.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xff)); bytes.append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    /// A string of at most 65,535 bytes (names, keys, values, rules; longer ones are cut
    /// at a UTF-8 boundary, which the registry's own limits never reach).
    mutating func shortString(_ s: String) {
        var utf8 = Array(s.utf8)
        if utf8.count > 0xffff {
            var n = 0xffff
            while n > 0 && utf8[n] & 0xC0 == 0x80 { n -= 1 }
            utf8.removeSubrange(n...)
        }
        u16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }
    mutating func longString(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }
    /// Patches a u16 written earlier at `at`.
    mutating func patch16(_ v: UInt16, at: Int) { bytes[at] = UInt8(v & 0xff); bytes[at + 1] = UInt8(v >> 8) }
    mutating func patch32(_ v: UInt32, at: Int) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}

/// Bounds-checked little-endian reads; every failure names the offset.
struct WireReader {
    let base: UnsafeRawBufferPointer
    var offset = 0

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var remaining: Int { base.count - offset }

    mutating func need(_ n: Int, _ what: String) throws(WireFormatError) {
        guard n >= 0, remaining >= n else {
            throw WireFormatError(offset: offset, reason: "truncated \(what) (need \(n) bytes, \(remaining) left)")
        }
    }
    mutating func u8(_ what: String) throws(WireFormatError) -> UInt8 {
        try need(1, what); defer { offset += 1 }; return base[offset]
    }
    mutating func u16(_ what: String) throws(WireFormatError) -> UInt16 {
        try need(2, what); defer { offset += 2 }
        return UInt16(base[offset]) | UInt16(base[offset + 1]) << 8
    }
    mutating func u32(_ what: String) throws(WireFormatError) -> UInt32 {
        try need(4, what); defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    mutating func u64(_ what: String) throws(WireFormatError) -> UInt64 {
        try need(8, what); defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    mutating func string(length n: Int, _ what: String) throws(WireFormatError) -> String {
        try need(n, what)
        let start = offset
        offset += n
        guard let s = String(validating: UnsafeRawBufferPointer(rebasing: base[start..<start + n]).bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw WireFormatError(offset: start, reason: "\(what) is not valid UTF-8")
        }
        return s
    }
    mutating func shortString(_ what: String) throws(WireFormatError) -> String {
        let n = try u16("\(what) length")
        return try string(length: Int(n), what)
    }
    mutating func skipShort(_ what: String) throws(WireFormatError) {
        let n = Int(try u16("\(what) length"))
        try need(n, what)
        offset += n
    }
    mutating func longString(_ what: String) throws(WireFormatError) -> String {
        let n = try u32("\(what) length")
        return try string(length: Int(n), what)
    }
}
