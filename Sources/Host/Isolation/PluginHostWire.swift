import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The messages nazard and a `nazar-plugin-host` child exchange over their
/// `SOCK_SEQPACKET` socketpair (docs/plugin-host-protocol.md is the specification).
///
/// Every message is one datagram: a 12-byte header (total length, version, type, request
/// id), then fields in native byte order (both ends are the same machine and build).
/// Strings carry their length and a trailing NUL, so a receiver hands plugins pointers
/// into the receive buffer without copying.
public enum PluginHostWire {
    /// Bumped when a message's layout changes; nazard and the child must agree exactly.
    public static let version: UInt8 = 1
    public static let headerSize = 12
    /// The largest datagram either end sends; both raise SO_SNDBUF/SO_RCVBUF above it.
    public static let maximumMessage = 256 * 1024
    /// Points per on_points/publish message (24 bytes each): well under `maximumMessage`.
    public static let pointsPerMessage = 8192
    /// Bytes of one point on the wire: series id, timestamp, value.
    public static let pointSize = 24
    /// The child's end of the socketpair, as it finds it after exec.
    public static let childDescriptor: Int32 = 3

    /// Sends one message as one datagram (retrying EINTR; never SIGPIPE); false when the
    /// peer is gone or the message does not fit.
    static func send(_ fd: Int32, _ message: UnsafeRawBufferPointer) -> Bool {
        while true {
            let n = Glibc.send(fd, message.baseAddress, message.count, Int32(MSG_NOSIGNAL))
            if n == message.count { return true }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Receives the next datagram into `buffer` (retrying EINTR); its length, or 0 once the
    /// peer has closed its end (or on an error, which ends the conversation the same way).
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        while true {
            let n = recv(fd, buffer, capacity, 0)
            if n < 0 && errno == EINTR { continue }
            return max(n, 0)
        }
    }

    /// Message types; values below 0x40 travel from nazard to the child, the rest back.
    public enum MessageType: UInt8, Sendable {
        // nazard → child: plugin calls (each answered by `callReply` with the same id).
        case create = 0x01, start = 0x02, collect = 0x03, onPoints = 0x05, notify = 0x06, stop = 0x07, destroy = 0x08
        /// nazard → child, one-way: a series' name and labels, sent once before the first
        /// batch that carries its id.
        case defineSeries = 0x04
        /// nazard → child: the answer to a host function request (same id).
        case hostReply = 0x20
        // child → nazard.
        case callReply = 0x40
        /// One-way: nazar_host_api.log.
        case log = 0x41
        // Host function requests, each answered by `hostReply` with the same id.
        case seriesRegister = 0x42, publish = 0x43, alertRaise = 0x44, alertResolve = 0x45
    }
}

/// A message that could not be decoded: which one, which field, where.
public struct PluginHostWireError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { "plugin host protocol: \(message)" }
    init(_ message: String) { self.message = message }
}

/// Builds one message in a reusable buffer (no allocation once the buffer has grown).
/// Not thread-safe: one writer per sending thread, or a lock around it.
public final class PluginHostMessageWriter {
    private(set) var buffer: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes written so far, header included.
    public private(set) var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        buffer = .allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { buffer.deallocate() }

    /// Starts a message; `finish()` fills in its length.
    public func begin(_ type: PluginHostWire.MessageType, id: UInt32 = 0) {
        count = 0
        put(UInt32(0))
        put(PluginHostWire.version)
        put(type.rawValue)
        put(UInt16(0))
        put(id)
    }

    /// Writes the total length into the header; returns the message bytes.
    @discardableResult
    public func finish() -> UnsafeRawBufferPointer {
        buffer.storeBytes(of: UInt32(count), as: UInt32.self)
        return UnsafeRawBufferPointer(start: buffer, count: count)
    }

    @inline(__always)
    public func put<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        (buffer + count).storeBytes(of: value, as: T.self)
        count += MemoryLayout<T>.size
    }

    @inline(__always)
    public func put(_ value: Double) { put(value.bitPattern) }

    /// Overwrites a u32 written earlier at byte `offset` (a count known only at the end).
    public func patch(_ value: UInt32, at offset: Int) {
        guard offset >= 0, offset + 4 <= count else { return }
        (buffer + offset).storeBytes(of: value, as: UInt32.self)
    }

    /// A string as u32 length, bytes, NUL; nil is written as the empty string.
    public func put(cString: UnsafePointer<CChar>?) {
        guard let cString else { return put(string: "") }
        let n = strlen(cString)
        putBytes(UnsafeRawPointer(cString), n)
    }

    public func put(string: String) {
        var s = string
        s.withUTF8 { putBytes(UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 1)!), $0.count) }
    }

    /// Key/value pairs: u32 count, then key and value strings.
    public func put(labels: UnsafePointer<nazar_label>?, count n: Int) {
        guard let labels else { return put(UInt32(0)) }
        put(UInt32(n))
        for i in 0..<n {
            put(cString: labels[i].key)
            put(cString: labels[i].value)
        }
    }

    private func putBytes(_ bytes: UnsafeRawPointer, _ n: Int) {
        put(UInt32(n))
        reserve(n + 1)
        if n > 0 { (buffer + count).copyMemory(from: bytes, byteCount: n) }
        (buffer + count + n).storeBytes(of: 0, as: UInt8.self)
        count += n + 1
    }

    @inline(__always)
    private func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        var grown = capacity * 2
        while grown < count + n { grown *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
        fresh.copyMemory(from: buffer, byteCount: count)
        buffer.deallocate()
        buffer = fresh
        capacity = grown
    }
}

/// Reads the fields of one received message in order. Strings come back as pointers into
/// the message (valid while its buffer is); every read checks the bounds.
public struct PluginHostMessageReader {
    public let type: PluginHostWire.MessageType
    public let id: UInt32
    private let base: UnsafeRawPointer
    private let end: Int
    private var offset = PluginHostWire.headerSize

    /// Checks the header of a datagram of `length` bytes.
    public init(_ bytes: UnsafeRawPointer, length: Int) throws(PluginHostWireError) {
        guard length >= PluginHostWire.headerSize else {
            throw PluginHostWireError("message of \(length) bytes is shorter than the \(PluginHostWire.headerSize)-byte header")
        }
        let declared = Int(bytes.loadUnaligned(as: UInt32.self))
        guard declared == length else {
            throw PluginHostWireError("message declares \(declared) bytes but \(length) arrived (truncated?)")
        }
        let version = bytes.load(fromByteOffset: 4, as: UInt8.self)
        guard version == PluginHostWire.version else {
            throw PluginHostWireError("protocol version \(version), expected \(PluginHostWire.version): nazard and nazar-plugin-host are from different builds")
        }
        let raw = bytes.load(fromByteOffset: 5, as: UInt8.self)
        guard let type = PluginHostWire.MessageType(rawValue: raw) else {
            throw PluginHostWireError("unknown message type 0x\(String(raw, radix: 16))")
        }
        self.type = type
        id = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        base = bytes
        end = length
    }

    public var remaining: Int { end - offset }

    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self, _ field: StaticString) throws(PluginHostWireError) -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= end else { throw truncated(field) }
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += n
        return v
    }

    public mutating func readDouble(_ field: StaticString) throws(PluginHostWireError) -> Double {
        Double(bitPattern: try read(UInt64.self, field))
    }

    /// A NUL-terminated string inside the message.
    public mutating func readCString(_ field: StaticString) throws(PluginHostWireError) -> UnsafePointer<CChar> {
        let n = Int(try read(UInt32.self, field))
        guard n < end, offset + n + 1 <= end, base.load(fromByteOffset: offset + n, as: UInt8.self) == 0 else {
            throw truncated(field)
        }
        let p = (base + offset).assumingMemoryBound(to: CChar.self)
        offset += n + 1
        return p
    }

    public mutating func readString(_ field: StaticString) throws(PluginHostWireError) -> String {
        String(cString: try readCString(field))
    }

    /// `n` raw bytes (points), checked against the message's end.
    public mutating func readBytes(_ n: Int, _ field: StaticString) throws(PluginHostWireError) -> UnsafeRawPointer {
        guard n >= 0, offset + n <= end else { throw truncated(field) }
        let p = base + offset
        offset += n
        return p
    }

    private func truncated(_ field: StaticString) -> PluginHostWireError {
        PluginHostWireError("\(type) message (id \(id)) ends inside field '\(field)' at byte \(offset) of \(end)")
    }
}
