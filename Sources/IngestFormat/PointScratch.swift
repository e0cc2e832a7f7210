/// Reusable memory where a parser assembles one point's NUL-terminated name and labels,
/// so delivering a point allocates nothing once the buffers have grown to the largest
/// point seen. Positions are kept as offsets (the buffer may move while it grows) and
/// turned into pointers only in `withPoint`.
///
/// Not thread-safe: one per parser run.
final class PointScratch {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes in use.
    var count = 0
    /// (key offset, value offset) per label.
    private(set) var labelOffsets: [(Int, Int)] = []
    private var labels: UnsafeMutablePointer<IngestLabel>
    private var labelCapacity: Int
    /// The fields of the line being parsed (line protocol), reused line after line.
    var fields: [LineField] = []

    init(capacity: Int = 1024) {
        self.capacity = capacity
        bytes = .allocate(capacity: capacity)
        labelCapacity = 16
        labels = .allocate(capacity: labelCapacity)
        labelOffsets.reserveCapacity(16)
    }

    deinit {
        bytes.deallocate()
        labels.deallocate()
    }

    func reset() {
        count = 0
        labelOffsets.removeAll(keepingCapacity: true)
    }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        bytes[count] = byte
        count += 1
    }

    func append(_ source: UnsafeRawBufferPointer) {
        if count + source.count > capacity { grow(count + source.count) }
        if let base = source.baseAddress { (bytes + count).update(from: base.assumingMemoryBound(to: UInt8.self), count: source.count) }
        count += source.count
    }

    /// Copies `count` bytes already in the scratch at `offset` to its end.
    func appendCopy(of offset: Int, count length: Int) {
        if count + length > capacity { grow(count + length) }
        (bytes + count).update(from: bytes + offset, count: length)
        count += length
    }

    /// True when the bytes from `start` to the end contain a NUL (a C string would be cut).
    func containsNul(from start: Int) -> Bool {
        var i = start
        while i < count { if bytes[i] == 0 { return true }; i += 1 }
        return false
    }

    /// True when the bytes from `offset` to the end are exactly `word`.
    func equals(_ word: StaticString, from offset: Int = 0) -> Bool {
        let len = word.utf8CodeUnitCount
        guard count - offset == len else { return false }
        for k in 0..<len where bytes[offset + k] != word.utf8Start[k] { return false }
        return true
    }

    /// The bytes from `offset` to the end as text (error messages only).
    func string(from offset: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: bytes + offset, count: count - offset), as: UTF8.self)
    }

    /// The NUL-terminated text at `offset` (error messages only).
    func cString(at offset: Int) -> String {
        var end = offset
        while end < count && bytes[end] != 0 { end += 1 }
        return String(decoding: UnsafeBufferPointer(start: bytes + offset, count: end - offset), as: UTF8.self)
    }

    func addLabel(key: Int, value: Int) { labelOffsets.append((key, value)) }

    /// Drops labels after the first `n`.
    func truncateLabels(to n: Int) { labelOffsets.removeSubrange(n...) }

    private func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        fresh.update(from: bytes, count: count)
        bytes.deallocate()
        bytes = fresh
        capacity = c
    }

    /// Calls `body` with the point whose name starts at `nameOffset`.
    func withPoint<R>(nameOffset: Int, value: Double, timestamp: Int64?, index: Int, line: Int,
                      _ body: (ParsedPoint) -> R) -> R {
        if labelOffsets.count > labelCapacity {
            labels.deallocate()
            labelCapacity = max(labelOffsets.count, labelCapacity * 2)
            labels = .allocate(capacity: labelCapacity)
        }
        let base = UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self)
        for (i, (k, v)) in labelOffsets.enumerated() {
            labels[i] = IngestLabel(key: base + k, value: base + v)
        }
        let point = ParsedPoint(name: base + nameOffset, labels: UnsafeBufferPointer(start: labels, count: labelOffsets.count),
                                value: value, timestamp: timestamp, index: index, line: line)
        return body(point)
    }
}
