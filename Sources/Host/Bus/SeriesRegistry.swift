import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// Interns series (metric name + labels) into dense ids and keeps their C strings at
/// stable addresses, so delivering a point to a plugin fills `name`/`labels` with two
/// pointer loads and no copying.
///
/// Ids start at 1 (0 means "no series" in the ABI). Storage is chunked: a chunk never
/// moves once allocated, so readers may look up an id they obtained earlier without the
/// lock (ids travel to readers through the bus queues, whose locks order the writes).
public final class SeriesRegistry: @unchecked Sendable {
    /// What the registry stores per series.
    public struct Entry {
        public var name: UnsafeMutablePointer<CChar>
        public var labels: UnsafeMutablePointer<nazar_label>?
        public var labelCount: UInt32
        /// The `host` label's value, sanitised for a topic word.
        public var topicHost: String
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case invalidName(String)
        case invalidLabel(String)
        case tooManyLabels(Int)
        case limitReached(Int)

        public var description: String {
            switch self {
            case let .invalidName(n): return "invalid metric name '\(n)' (allowed: letters, digits, '_' and '.', not starting or ending with '.')"
            case let .invalidLabel(k): return "invalid label '\(k)' (keys: [a-zA-Z_][a-zA-Z0-9_]*, unique, values valid UTF-8 without NUL)"
            case let .tooManyLabels(n): return "\(n) labels, more than the limit of \(SeriesRegistry.maxLabels)"
            case let .limitReached(n): return "series limit of \(n) reached (bus.max_series)"
            }
        }
    }

    public static let maxLabels = 32
    static let chunkSize = 4096

    public let maxSeries: Int
    public let defaultHost: String
    private let defaultHostC: UnsafeMutablePointer<CChar>
    private let lock = ConditionLock()
    private let chunks: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
    private let chunkCount: Int
    private var nextID: UInt64 = 1
    private var byKey: [String: UInt64] = [:]
    /// Fast lookup for series published by name: raw-string hash → id (verified on use).
    private var byRawHash: [UInt64: UInt64] = [:]
    /// Lookups by C strings that missed the fast path (new series, collisions).
    private var slowLookups: UInt64 = 0

    public init(maxSeries: Int, defaultHost: String) {
        self.maxSeries = max(1, maxSeries)
        self.defaultHost = defaultHost
        defaultHostC = strdup(defaultHost) ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        chunkCount = (self.maxSeries + 1) / Self.chunkSize + 1
        chunks = .allocate(capacity: chunkCount)
        chunks.initialize(repeating: nil, count: chunkCount)
    }

    // A daemon's registry lives as long as the process; tests and the bus fuzz target make
    // one per case, and LeakSanitizer counts what is not given back here.
    deinit {
        for id in 1..<nextID {
            let e = chunks[Int(id) / Self.chunkSize].unsafelyUnwrapped + Int(id) % Self.chunkSize
            free(e.pointee.name)
            if let labels = e.pointee.labels {
                for i in 0..<Int(e.pointee.labelCount) {
                    free(UnsafeMutablePointer(mutating: labels[i].key))
                    free(UnsafeMutablePointer(mutating: labels[i].value))
                }
                labels.deallocate()
            }
            e.deinitialize(count: 1)
        }
        for c in 0..<chunkCount { chunks[c]?.deallocate() }
        chunks.deallocate()
        free(defaultHostC)
    }

    /// Number of series interned so far.
    public var count: Int { lock.withLock { Int(nextID - 1) } }

    /// Lookups by C strings that did not find their series through the raw-string hash:
    /// one per new series, plus one per point of a series whose hash collides.
    var slowPathLookups: UInt64 { lock.withLock { slowLookups } }

    /// One past the largest id handed out so far; read it once per batch, then ids
    /// below it are valid without further locking.
    public var idLimit: UInt64 { lock.withLock { nextID } }

    /// True if `id` was handed out by this registry.
    @inline(__always)
    public func contains(_ id: UInt64) -> Bool {
        lock.withLock { id >= 1 && id < nextID }
    }

    /// The entry for an id obtained from this registry. Lock-free.
    @inline(__always)
    public func entry(_ id: UInt64) -> UnsafeMutablePointer<Entry> {
        let i = Int(id)
        return chunks[i / Self.chunkSize].unsafelyUnwrapped + (i % Self.chunkSize)
    }

    /// Interns a series given as C strings (from publish() or series_register()).
    ///
    /// Known series are found without allocating: an order-independent hash of the raw
    /// strings indexes `byRawHash`, and the candidate is verified string by string against
    /// the stored entry. Only a new series (or a hash collision) takes the slow path.
    public func intern(name: UnsafePointer<CChar>?, labels: UnsafePointer<nazar_label>?, count: UInt32) throws(Refusal) -> UInt64 {
        guard let name else { throw .invalidName("(null)") }
        let hash = Self.rawHash(name: name, labels: labels, count: count)
        if let hash {
            lock.lock()
            let candidate = byRawHash[hash]
            lock.unlock()
            if let candidate, matches(candidate, name: name, labels: labels, count: count) {
                return candidate
            }
        }
        let id = try internSlow(name: name, labels: labels, count: count)
        if let hash {
            // On a collision the series already there keeps the fast path: replacing it
            // would make two series evict each other on every point.
            lock.withLock {
                slowLookups &+= 1
                if byRawHash[hash] == nil { byRawHash[hash] = id }
            }
        }
        return id
    }

    /// A 64-bit hash of the raw strings, independent of label order; nil for malformed
    /// input (the slow path reports it).
    ///
    /// Each string is FNV-1a'd and then finalised with MurmurHash3's `fmix64` before the
    /// parts are combined. Without the finaliser, FNV-1a of strings that differ only in
    /// their last bytes differ only by small multiples of the FNV prime, and combining such
    /// hashes (XOR with a sum) cancels the differences: the 1,000 series of a Telegraf-like
    /// batch (`cpu.usage_0…9` × `host=web0…99` × `cpu=cpu0…3`) fell on 700 hashes, so
    /// a third of the points took the slow path on every request (issue 8).
    static func rawHash(name: UnsafePointer<CChar>, labels: UnsafePointer<nazar_label>?, count: UInt32) -> UInt64? {
        var h = mix(fnv1a(name, 0xcbf2_9ce4_8422_2325))
        guard count > 0 else { return h }
        guard let labels, Int(count) <= maxLabels else { return nil }
        var sum: UInt64 = 0
        for i in 0..<Int(count) {
            guard let k = labels[i].key, let v = labels[i].value else { return nil }
            // The key is mixed before the value joins it, so (a=1, b=2) and (a=2, b=1) differ.
            sum &+= mix(mix(fnv1a(k, 0x8422_2325_cbf2_9ce4)) ^ fnv1a(v, 0xcbf2_9ce4_8422_2325))
        }
        h = mix(h ^ sum)
        return h
    }

    @inline(__always)
    private static func fnv1a(_ p: UnsafePointer<CChar>, _ seed: UInt64) -> UInt64 {
        var h = seed
        var q = p
        while q.pointee != 0 {
            h = (h ^ UInt64(UInt8(bitPattern: q.pointee))) &* 0x0000_0100_0000_01b3
            q += 1
        }
        return h
    }

    /// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var k = x
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// True if `id` is exactly the series `name` + `labels` (+ the implicit host label).
    private func matches(_ id: UInt64, name: UnsafePointer<CChar>, labels: UnsafePointer<nazar_label>?, count: UInt32) -> Bool {
        let e = entry(id).pointee
        guard strcmp(e.name, name) == 0 else { return false }
        var givenHost = false
        for i in 0..<Int(count) {
            guard let labels, let k = labels[i].key, let v = labels[i].value else { return false }
            if strcmp(k, "host") == 0 { givenHost = true }
            var found = false
            for j in 0..<Int(e.labelCount) {
                if let stored = e.labels, strcmp(stored[j].key, k) == 0 {
                    found = strcmp(stored[j].value, v) == 0
                    break
                }
            }
            if !found { return false }
        }
        // The stored series may carry the host label the host added; nothing else extra.
        guard Int(e.labelCount) == Int(count) + (givenHost ? 0 : 1) else { return false }
        if !givenHost, let stored = e.labels {
            for j in 0..<Int(e.labelCount) where strcmp(stored[j].key, "host") == 0 {
                return strcmp(stored[j].value, defaultHostC) == 0
            }
            return false
        }
        return true
    }

    private func internSlow(name: UnsafePointer<CChar>, labels: UnsafePointer<nazar_label>?, count: UInt32) throws(Refusal) -> UInt64 {
        var pairs: [(String, String)] = []
        if count > 0 {
            guard Int(count) <= Self.maxLabels else { throw .tooManyLabels(Int(count)) }
            guard let labels else { throw .invalidLabel("(null labels)") }
            pairs.reserveCapacity(Int(count))
            for i in 0..<Int(count) {
                guard let k = labels[i].key, let v = labels[i].value else { throw .invalidLabel("(null)") }
                guard let key = String(validatingCString: k), let value = String(validatingCString: v) else {
                    throw .invalidLabel("(invalid UTF-8)")
                }
                pairs.append((key, value))
            }
        }
        guard let nameString = String(validatingCString: name) else { throw .invalidName("(invalid UTF-8)") }
        return try intern(name: nameString, labels: pairs)
    }

    /// Interns a series. Labels are sorted by key; `host` is added when missing.
    public func intern(name: String, labels input: [(String, String)]) throws(Refusal) -> UInt64 {
        guard Self.isValidName(name) else { throw .invalidName(name) }
        guard input.count <= Self.maxLabels else { throw .tooManyLabels(input.count) }
        var labels = input
        for (k, _) in labels where !Self.isValidLabelKey(k) { throw .invalidLabel(k) }
        // Values are kept as C strings: a NUL would cut the stored value short while the
        // key below keeps all of it, so two different series would read back the same.
        // Only Swift callers (bus decoder, ingest) can pass one; C strings cannot.
        for (k, v) in labels where v.utf8.contains(0) { throw .invalidLabel(k) }
        if !labels.contains(where: { $0.0 == "host" }) { labels.append(("host", defaultHost)) }
        labels.sort { $0.0 < $1.0 }
        for i in labels.indices.dropFirst() where labels[i].0 == labels[i - 1].0 { throw .invalidLabel(labels[i].0) }

        var key = name
        for (k, v) in labels { key += "\u{0}\(k)\u{0}\(v)" }

        lock.lock()
        defer { lock.unlock() }
        if let id = byKey[key] { return id }
        guard Int(nextID) <= maxSeries else { throw .limitReached(maxSeries) }
        let id = nextID
        let chunk = Int(id) / Self.chunkSize
        if chunks[chunk] == nil {
            chunks[chunk] = .allocate(capacity: Self.chunkSize)
        }
        let hostValue = labels.first(where: { $0.0 == "host" })?.1 ?? defaultHost
        var cLabels: UnsafeMutablePointer<nazar_label>? = nil
        if !labels.isEmpty {
            let p = UnsafeMutablePointer<nazar_label>.allocate(capacity: labels.count)
            for (i, (k, v)) in labels.enumerated() {
                p[i] = nazar_label(key: UnsafePointer(strdup(k)), value: UnsafePointer(strdup(v)))
            }
            cLabels = p
        }
        (chunks[chunk].unsafelyUnwrapped + Int(id) % Self.chunkSize).initialize(to: Entry(
            name: strdup(name), labels: cLabels, labelCount: UInt32(labels.count),
            topicHost: Self.topicWord(hostValue)))
        byKey[key] = id
        nextID += 1
        return id
    }

    /// The metric name of a series as a Swift string (not for hot paths).
    public func name(of id: UInt64) -> String { String(cString: entry(id).pointee.name) }

    /// The labels of a series as Swift strings (not for hot paths).
    public func labels(of id: UInt64) -> [(String, String)] {
        let e = entry(id).pointee
        guard let l = e.labels else { return [] }
        return (0..<Int(e.labelCount)).map { (String(cString: l[$0].key), String(cString: l[$0].value)) }
    }

    /// The bus topic of a series: metrics.<host>.<name>.
    public func topic(of id: UInt64) -> String {
        "metrics.\(entry(id).pointee.topicHost).\(name(of: id))"
    }

    static func isValidName(_ name: String) -> Bool {
        let u = name.utf8
        guard let f = u.first, let l = u.last, f != UInt8(ascii: "."), l != UInt8(ascii: "."), u.count <= 200 else { return false }
        var previousDot = false
        for c in u {
            let dot = c == UInt8(ascii: ".")
            if dot && previousDot { return false }
            previousDot = dot
            guard dot || c == UInt8(ascii: "_") || (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) else { return false }
        }
        return true
    }

    static func isValidLabelKey(_ key: String) -> Bool {
        let u = key.utf8
        guard let f = u.first, u.count <= 100, !(f >= 0x30 && f <= 0x39) else { return false }
        return u.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }

    /// A host name as one topic word: dots and wildcard characters become '_'.
    static func topicWord(_ s: String) -> String {
        let w = String(s.map { $0 == "." || $0 == "*" || $0 == "#" || $0 == " " ? "_" : $0 })
        return w.isEmpty ? "_" : w
    }
}
