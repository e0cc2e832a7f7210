#if canImport(Glibc)
import Glibc
#endif

/// Why the spool failed; always names the file.
public struct SpoolError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "spool \(path): \(reason)" }
}

/// A bounded on-disk FIFO of broker messages: a directory of append-only segment files
/// `<16-digit sequence>.seg`, each an 8-byte header ("NZSPOOL" + version 1) and records
/// `u32 payload length, u32 CRC-32 of payload, payload` (little-endian); the payload is
/// `u8 exchange, u32 point count, u16 routing-key length, routing key, message body`.
///
/// Appends are written with one `write` per call and `fdatasync`ed before `append`
/// returns, so a record acknowledged to a producer survives a crash. Replay reads the
/// oldest segment whole; a torn or corrupt tail (crash mid-write) ends that segment's
/// records and is reported, never silently skipped. Not thread-safe: one owner thread.
public final class DiskSpool {
    public static let header: [UInt8] = Array("NZSPOOL".utf8) + [1]
    public let directory: String
    public let maxBytes: Int
    public let policy: SpoolPolicy
    public let segmentBytes: Int

    /// Segment sequence numbers, oldest first; the last one is open for appending.
    private var segments: [UInt64] = []
    private var sizes: [UInt64: Int] = [:]
    private var activeFD: Int32 = -1
    /// Bytes on disk across all segments.
    public private(set) var bytes = 0
    /// Points in segments deleted by `drop_oldest`.
    public private(set) var droppedPoints: UInt64 = 0
    /// Records found corrupt during replay (each ends its segment).
    public private(set) var corruptRecords: UInt64 = 0

    /// Opens (creating) the directory and takes over any segments a previous run left.
    public init(directory: String, maxBytes: Int, policy: SpoolPolicy, segmentBytes: Int = 4 << 20) throws(SpoolError) {
        self.directory = directory
        self.maxBytes = max(maxBytes, 64 << 10)
        self.policy = policy
        self.segmentBytes = max(4096, min(segmentBytes, self.maxBytes / 4))
        var partial = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            partial += "/\(part)"
            if mkdir(partial, 0o750) != 0 && errno != EEXIST {
                throw SpoolError(path: partial, reason: "cannot create: \(String(cString: strerror(errno)))")
            }
        }
        guard let dir = opendir(directory) else {
            throw SpoolError(path: directory, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard name.hasSuffix(".seg"), let seq = UInt64(name.dropLast(4)) else { continue }
            var st = stat()
            guard stat(path(seq), &st) == 0 else { continue }
            segments.append(seq)
            sizes[seq] = Int(st.st_size)
            bytes += Int(st.st_size)
        }
        segments.sort()
    }

    deinit { if activeFD >= 0 { close(activeFD) } }

    /// True when nothing is waiting for replay.
    public var isEmpty: Bool { segments.allSatisfy { (sizes[$0] ?? 0) <= Self.header.count } }

    public var segmentCount: Int { segments.count }

    private func path(_ seq: UInt64) -> String {
        var digits = String(seq)
        if digits.count < 16 { digits = String(repeating: "0", count: 16 - digits.count) + digits }
        return "\(directory)/\(digits).seg"
    }

    private func openNewSegment() throws(SpoolError) {
        if activeFD >= 0 { close(activeFD); activeFD = -1 }
        let seq = (segments.last ?? 0) + 1
        let p = path(seq)
        let fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SpoolError(path: p, reason: "cannot create: \(String(cString: strerror(errno)))") }
        let ok = Self.header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
        guard ok else {
            close(fd)
            throw SpoolError(path: p, reason: "cannot write header: \(String(cString: strerror(errno)))")
        }
        activeFD = fd
        segments.append(seq)
        sizes[seq] = Self.header.count
        bytes += Self.header.count
    }

    /// Encodes one record into `out`.
    static func encode(_ r: SpoolRecord, into out: inout [UInt8]) {
        var payload = WireWriter()
        payload.u8(r.exchange.rawValue)
        payload.u32(UInt32(r.pointCount))
        payload.shortString(r.routingKey)
        payload.bytes.append(contentsOf: r.body)
        var head = WireWriter()
        head.u32(UInt32(payload.bytes.count))
        head.u32(payload.bytes.withUnsafeBytes { CRC32.checksum($0) })
        out.append(contentsOf: head.bytes)
        out.append(contentsOf: payload.bytes)
    }

    public enum AppendResult: Equatable, Sendable {
        /// Every record is on disk (fdatasync'd).
        case stored
        /// Policy `block` and no room: nothing was written.
        case full
    }

    /// Appends records in order and syncs them. With `drop_oldest`, makes room by
    /// deleting whole old segments (never the records being appended).
    public func append(_ records: [SpoolRecord]) throws(SpoolError) -> AppendResult {
        guard !records.isEmpty else { return .stored }
        var buffer: [UInt8] = []
        for r in records { Self.encode(r, into: &buffer) }
        if bytes + buffer.count > maxBytes {
            switch policy {
            case .block:
                return .full
            case .dropOldest:
                while bytes + buffer.count > maxBytes, segments.count > 1 {
                    try dropOldestSegment()
                }
                if bytes + buffer.count > maxBytes, !segments.isEmpty {
                    // The open segment alone is too big: drop it too (removal closes it).
                    try dropOldestSegment()
                }
            }
        }
        if activeFD < 0 || (sizes[segments.last ?? 0] ?? 0) >= segmentBytes { try openNewSegment() }
        guard let seq = segments.last else { return .full }
        let ok = buffer.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            var off = 0
            while off < raw.count {
                let n = write(activeFD, base + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        guard ok else { throw SpoolError(path: path(seq), reason: "write failed: \(String(cString: strerror(errno)))") }
        guard fdatasync(activeFD) == 0 else {
            throw SpoolError(path: path(seq), reason: "fdatasync failed: \(String(cString: strerror(errno)))")
        }
        sizes[seq, default: 0] += buffer.count
        bytes += buffer.count
        return .stored
    }

    private func dropOldestSegment() throws(SpoolError) {
        guard let seq = segments.first else { return }
        let (records, _) = try readSegment(seq)
        droppedPoints &+= UInt64(records.reduce(0) { $0 + $1.pointCount })
        try removeSegment(seq)
    }

    /// The oldest segment's records, for replay. The segment being appended to is closed
    /// first, so what is returned never changes underneath the caller. nil when empty.
    /// `corrupt` is set when the segment ended in a bad record (its good prefix is returned).
    public func oldest() throws(SpoolError) -> (sequence: UInt64, records: [SpoolRecord], corrupt: String?)? {
        while let seq = segments.first {
            if seq == segments.last, activeFD >= 0 {
                close(activeFD)
                activeFD = -1
            }
            let (records, corrupt) = try readSegment(seq)
            if records.isEmpty && corrupt == nil {
                try removeSegment(seq)
                continue
            }
            return (seq, records, corrupt)
        }
        return nil
    }

    /// Deletes a replayed segment once the broker confirmed all of it.
    public func remove(sequence seq: UInt64) throws(SpoolError) { try removeSegment(seq) }

    private func removeSegment(_ seq: UInt64) throws(SpoolError) {
        if seq == segments.last, activeFD >= 0 { close(activeFD); activeFD = -1 }
        if unlink(path(seq)) != 0 && errno != ENOENT {
            throw SpoolError(path: path(seq), reason: "cannot delete: \(String(cString: strerror(errno)))")
        }
        bytes -= sizes[seq] ?? 0
        sizes[seq] = nil
        segments.removeAll { $0 == seq }
    }

    private func readSegment(_ seq: UInt64) throws(SpoolError) -> ([SpoolRecord], String?) {
        let p = path(seq)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(path: p, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SpoolError(path: p, reason: "read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        let parsed = Self.parseSegment(data, path: p)
        if parsed.recordCorrupt { corruptRecords &+= 1 }
        return (parsed.records, parsed.corrupt)
    }

    /// A segment file's records, why reading stopped early (nil when the whole file was
    /// read), and whether that was a corrupt record (as opposed to a bad header). Pure: the
    /// fuzz target feeds it arbitrary bytes. `path` only names the file in the message.
    static func parseSegment(_ data: [UInt8], path p: String)
        -> (records: [SpoolRecord], corrupt: String?, recordCorrupt: Bool) {
        guard data.count >= Self.header.count, Array(data[0..<Self.header.count]) == Self.header else {
            return ([], data.count == 0 ? nil : "\(p): bad header (not a Nazar spool segment, or version \(data.count >= 8 ? data[7] : 0))", false)
        }
        var records: [SpoolRecord] = []
        var corrupt: String? = nil
        data.withUnsafeBytes { raw in
            var r = WireReader(raw)
            r.offset = Self.header.count
            while r.remaining > 0 {
                let at = r.offset
                guard r.remaining >= 8, let length = try? r.u32("length"), let crc = try? r.u32("crc"),
                      r.remaining >= Int(length) else {
                    corrupt = "\(p): torn record at byte \(at) (\(raw.count - at) bytes left)"
                    return
                }
                let payload = UnsafeRawBufferPointer(rebasing: raw[r.offset..<r.offset + Int(length)])
                guard CRC32.checksum(payload) == crc else {
                    corrupt = "\(p): CRC mismatch in record at byte \(at)"
                    return
                }
                r.offset += Int(length)
                var pr = WireReader(payload)
                guard let ex = try? pr.u8("exchange"), let exchange = SpoolRecord.Exchange(rawValue: ex),
                      let count = try? pr.u32("count"), let key = try? pr.shortString("routing key") else {
                    corrupt = "\(p): malformed record at byte \(at)"
                    return
                }
                records.append(SpoolRecord(exchange: exchange, routingKey: key, pointCount: Int(count),
                                           body: Array(UnsafeRawBufferPointer(rebasing: payload[pr.offset...]))))
            }
        }
        return (records, corrupt, corrupt != nil)
    }
}
