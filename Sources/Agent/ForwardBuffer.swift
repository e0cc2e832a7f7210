import Host
#if canImport(Glibc)
import Glibc
#endif

/// Why the buffer directory cannot be used.
public struct ForwardBufferError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "agent buffer \(path): \(reason)" }
}

/// A FIFO of encoded batches on disk, one file per batch named `<sequence>-<points>.gz`
/// (written to a temporary name and renamed, so a crash never leaves half a batch).
/// Bounded by `maxBytes`: appending past it deletes the oldest batches — never the one
/// being sent — and counts their points as dropped. Files left by an earlier run are
/// picked up in order.
///
/// Threading: thread-safe; one thread appends, another takes the oldest and removes it.
final class ForwardBuffer: @unchecked Sendable {
    struct Batch: Sendable {
        let name: String
        let sequence: UInt64
        let points: Int
        let bytes: Int
    }

    let directory: String
    let maxBytes: Int
    private let lock = ConditionLock()
    private var batches: [Batch] = []
    private var totalBytes = 0
    private var totalPoints = 0
    private var nextSequence: UInt64 = 1
    private var inFlight: UInt64?
    private var closed = false
    private(set) var droppedPoints: UInt64 = 0

    init(directory: String, maxBytes: Int) throws(ForwardBufferError) {
        self.directory = directory
        self.maxBytes = maxBytes
        try Self.makeDirectory(directory)
        guard let dir = opendir(directory) else {
            throw ForwardBufferError(path: directory, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var found: [Batch] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".tmp-") { unlink("\(directory)/\(name)"); continue }
            guard let batch = Self.parse(name, directory: directory) else { continue }
            found.append(batch)
        }
        batches = found.sorted { $0.sequence < $1.sequence }
        totalBytes = batches.reduce(0) { $0 + $1.bytes }
        totalPoints = batches.reduce(0) { $0 + $1.points }
        nextSequence = (batches.last?.sequence ?? 0) + 1
    }

    /// (batches, points, bytes) waiting.
    var pending: (batches: Int, points: Int, bytes: Int) {
        lock.withLock { (batches.count, totalPoints, totalBytes) }
    }

    var dropped: UInt64 { lock.withLock { droppedPoints } }

    /// Writes a batch; returns the points dropped to stay under `maxBytes` (0 mostly).
    @discardableResult
    func append(_ body: [UInt8], points: Int) throws(ForwardBufferError) -> Int {
        let sequence = lock.withLock { () -> UInt64 in
            defer { nextSequence += 1 }
            return nextSequence
        }
        let name = "\(Self.padded(sequence))-\(points).gz"
        let tmp = "\(directory)/.tmp-\(name)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ForwardBufferError(path: tmp, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < body.count {
            let n = body[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                unlink(tmp)
                throw ForwardBufferError(path: tmp, reason: reason)
            }
            written += n
        }
        Glibc.close(fd)
        guard rename(tmp, "\(directory)/\(name)") == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw ForwardBufferError(path: tmp, reason: reason)
        }
        return lock.withLock {
            batches.append(Batch(name: name, sequence: sequence, points: points, bytes: body.count))
            totalBytes += body.count
            totalPoints += points
            var dropped = 0
            while totalBytes > maxBytes, batches.count > 1 {
                // The batch on the wire is skipped: it may already be at the central one.
                let victim = batches[0].sequence == inFlight ? 1 : 0
                guard victim < batches.count - 1 else { break }
                let b = batches.remove(at: victim)
                unlink("\(directory)/\(b.name)")
                totalBytes -= b.bytes
                totalPoints -= b.points
                dropped += b.points
            }
            droppedPoints &+= UInt64(dropped)
            lock.broadcast(.first)
            return dropped
        }
    }

    /// The oldest batch and its bytes, waiting until one exists, the monotonic deadline
    /// passes or the buffer is closed. It stays in the buffer (and is never dropped for
    /// room) until `remove` or the next `oldest`.
    func oldest(untilMonotonicNanoseconds deadline: Int64) -> (Batch, [UInt8])? {
        while true {
            let next: Batch? = lock.withLock {
                while batches.isEmpty && !closed {
                    if !lock.wait(.first, untilMonotonicNanoseconds: deadline) && batches.isEmpty { return nil }
                }
                guard let first = batches.first else { return nil }
                inFlight = first.sequence
                return first
            }
            guard let batch = next else { return nil }
            if let bytes = Self.read("\(directory)/\(batch.name)") { return (batch, bytes) }
            // Unreadable (deleted by hand, disk error): skip it rather than stall forever.
            remove(batch, countAsDropped: true)
        }
    }

    /// Deletes a batch that was delivered (or can never be).
    func remove(_ batch: Batch, countAsDropped: Bool = false) {
        unlink("\(directory)/\(batch.name)")
        lock.withLock {
            if inFlight == batch.sequence { inFlight = nil }
            guard let i = batches.firstIndex(where: { $0.sequence == batch.sequence }) else { return }
            batches.remove(at: i)
            totalBytes -= batch.bytes
            totalPoints -= batch.points
            if countAsDropped { droppedPoints &+= UInt64(batch.points) }
        }
    }

    /// Wakes a waiting `oldest` for good.
    func close() { lock.withLock { closed = true; lock.broadcast(.first) } }

    static func padded(_ n: UInt64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }

    static func parse(_ name: String, directory: String) -> Batch? {
        guard name.hasSuffix(".gz") else { return nil }
        let parts = name.dropLast(3).split(separator: "-")
        guard parts.count == 2, let seq = UInt64(parts[0]), let points = Int(parts[1]) else { return nil }
        var st = stat()
        guard stat("\(directory)/\(name)", &st) == 0 else { return nil }
        return Batch(name: name, sequence: seq, points: points, bytes: Int(st.st_size))
    }

    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += chunk[..<n]
        }
    }

    static func makeDirectory(_ path: String) throws(ForwardBufferError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            partial += "/\(part)"
            if mkdir(partial, 0o750) != 0 && errno != EEXIST {
                throw ForwardBufferError(path: partial, reason: String(cString: strerror(errno)))
            }
        }
    }
}
