import Testing
@testable import Host
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The registry's fast path (raw-string hash → id) must find every known series, whatever
/// the shape of its names and labels: a miss costs a String key, a sort and a dictionary
/// lookup per point (issue 8: line protocol interned 3.5× slower than JSON because its
/// series collided in the hash).
@Suite struct SeriesRegistryInterningTests {
    /// C strings for one series, as a parser or a plugin hands them over.
    final class CSeries {
        let name: UnsafeMutablePointer<CChar>
        let labels: UnsafeMutablePointer<nazar_label>
        let count: Int

        init(_ name: String, _ pairs: [(String, String)]) {
            self.name = strdup(name)!
            count = pairs.count
            labels = .allocate(capacity: max(1, pairs.count))
            for (i, (k, v)) in pairs.enumerated() {
                labels[i] = nazar_label(key: UnsafePointer(strdup(k)!), value: UnsafePointer(strdup(v)!))
            }
        }

        deinit {
            free(name)
            for i in 0..<count {
                free(UnsafeMutablePointer(mutating: labels[i].key))
                free(UnsafeMutablePointer(mutating: labels[i].value))
            }
            labels.deallocate()
        }

        func intern(_ r: SeriesRegistry) throws -> UInt64 {
            try r.intern(name: name, labels: labels, count: UInt32(count))
        }

        var rawHash: UInt64? { SeriesRegistry.rawHash(name: name, labels: labels, count: UInt32(count)) }
    }

    /// Telegraf's cpu input through line protocol: `cpu.usage_0…9` × 100 hosts × 4 cores,
    /// the shape that collided before the hash was finalised.
    static func telegrafShaped() -> [CSeries] {
        (0..<100).flatMap { line in
            (0..<10).map { f in CSeries("cpu.usage_\(f)", [("host", "web\(line)"), ("cpu", "cpu\(line % 4)")]) }
        }
    }

    @Test func knownSeriesOfATelegrafBatchNeverTakeTheSlowPath() throws {
        let r = SeriesRegistry(maxSeries: 10_000, defaultHost: "central")
        let batch = Self.telegrafShaped()
        let first = try batch.map { try $0.intern(r) }
        #expect(Set(first).count == 1_000)
        #expect(r.slowPathLookups == 1_000)
        for _ in 0..<3 {
            let again = try batch.map { try $0.intern(r) }
            #expect(again == first)
        }
        #expect(r.slowPathLookups == 1_000, "every point of a known series is found through its hash")
        #expect(r.count == 1_000)
    }

    @Test func rawHashesOfAGridOfSeriesAreDistinct() {
        var hashes = Set<UInt64>()
        var n = 0
        for m in 0..<20 {
            for h in 0..<200 {
                for c in 0..<8 {
                    let s = CSeries("disk.m\(m)", [("host", "h\(h)"), ("core", "\(c)")])
                    if let hash = s.rawHash { hashes.insert(hash) }
                    n += 1
                }
            }
        }
        #expect(n == 32_000)
        #expect(hashes.count == n)
    }

    @Test func labelOrderDoesNotMatterButWhichValueGoesWithWhichKeyDoes() throws {
        let r = SeriesRegistry(maxSeries: 100, defaultHost: "h")
        let ab = CSeries("m", [("a", "1"), ("b", "2")])
        let ba = CSeries("m", [("b", "2"), ("a", "1")])
        let swapped = CSeries("m", [("a", "2"), ("b", "1")])
        #expect(ab.rawHash == ba.rawHash)
        #expect(ab.rawHash != swapped.rawHash)
        let id = try ab.intern(r)
        #expect(try ba.intern(r) == id)
        #expect(try swapped.intern(r) != id)
        #expect(r.slowPathLookups == 2)
    }
}
