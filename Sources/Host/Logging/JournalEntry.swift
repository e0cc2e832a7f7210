import CSystemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One journal record being assembled: an ordered list of `NAME=value` fields, sent in one
/// `sd_journal_sendv` call.
///
/// Values are binary-safe (newlines included): each field is its own iovec, never a format
/// string. Field names are taken as given and must already be valid journal field names (see
/// ``JournalFieldName``); journald drops fields with invalid names. A name may repeat, which the
/// journal stores as several values of one field.
public struct JournalEntry: Sendable {
    /// All fields back to back, each `NAME=value`; `fieldEnds` marks where each one stops.
    private var bytes: [UInt8] = []
    private var fieldEnds: [Int] = []

    /// Creates an empty entry.
    public init() {}

    /// The number of fields appended so far.
    public var fieldCount: Int { fieldEnds.count }

    /// The fields appended so far as `NAME=value` strings, in order (invalid UTF-8 repaired).
    public var fields: [String] {
        var start = 0
        return fieldEnds.map { end in
            defer { start = end }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
    }

    /// Appends the field `name=value`.
    public mutating func append(_ name: String, _ value: String) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value.utf8)
        fieldEnds.append(bytes.count)
    }

    /// Sends the entry to journald.
    ///
    /// - Returns: `0` on success, otherwise the positive `errno` (e.g. `ENOENT` or `ECONNREFUSED`
    ///   when journald is not running, `EINVAL` for an empty entry). Never blocks for long: the
    ///   journal socket is a local datagram socket (large entries go through a memfd).
    ///   Thread-safe: the entry is only read.
    public func send() -> Int32 {
        bytes.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress, !fieldEnds.isEmpty else { return EINVAL }
            var vectors: [iovec] = []
            vectors.reserveCapacity(fieldEnds.count)
            var start = 0
            for end in fieldEnds {
                // sd_journal_sendv only reads through iov_base; the mutable type is iovec's.
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + start), iov_len: end - start))
                start = end
            }
            let result = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
            return result < 0 ? -result : 0
        }
    }
}
