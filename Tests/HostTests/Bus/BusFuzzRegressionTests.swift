import Foundation
import Testing
@testable import Host

/// What fuzz-bus found (fuzz/README.md), each with its reproducer in fuzz/corpus/fuzz-bus,
/// and the whole committed corpus replayed through the decoders in the normal build.
@Suite struct BusFuzzRegressionTests {
    static let corpus = "\(TestPaths.repository)/fuzz/corpus/fuzz-bus"

    func decodePoints(_ bytes: [UInt8], into registry: SeriesRegistry) -> (points: [BusPoint], error: WireFormatError?) {
        let decoder = PointsDecoder(registry: registry)
        var out: [BusPoint] = []
        var failure: WireFormatError? = nil
        bytes.withUnsafeBytes { raw in
            do throws(WireFormatError) { try decoder.decode(raw, into: &out) } catch { failure = error }
        }
        return (out, failure)
    }

    /// A label value with a NUL was interned: the registry keeps C strings, so the stored
    /// value was cut at the NUL ("\0\0b1" read back as "") while the series key kept all
    /// of it; two different series read back identical.
    @Test func aLabelValueWithNULIsRefusedWithItsSeriesOffset() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/regression-nul-in-label-value")))
        let registry = SeriesRegistry(maxSeries: 64, defaultHost: "h")
        let (points, error) = decodePoints(bytes, into: registry)
        #expect(points.isEmpty)
        #expect(error?.offset == 8, "the row starts after the 8-byte header")
        #expect(error?.reason.contains("invalid label 'host'") == true, "\(String(describing: error))")
        #expect(registry.count == 0)

        #expect(throws: SeriesRegistry.Refusal.invalidLabel("mount")) {
            try registry.intern(name: "disk.used", labels: [("mount", "/\u{0}var")])
        }
        // A value that merely looks odd is still fine.
        let id = try registry.intern(name: "disk.used", labels: [("mount", "/var\\0")])
        #expect(registry.labels(of: id).contains { $0 == ("mount", "/var\\0") })
    }

    /// Every committed input decodes or is refused with an offset inside it, as fuzz-bus
    /// checks, and a refused points message leaves nothing behind.
    @Test func theCommittedCorpusReplaysWithoutSurprises() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).sorted()
        #expect(names.count >= 12, "the seeds are there")
        var decodedPoints = 0, decodedAlerts = 0, spoolRecords = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/\(name)")))
            let (points, error) = decodePoints(bytes, into: SeriesRegistry(maxSeries: 64, defaultHost: "h"))
            if let error {
                #expect(points.isEmpty && error.offset >= 0 && error.offset <= bytes.count, "\(name): \(error)")
            } else {
                decodedPoints += 1
            }
            let alert = bytes.withUnsafeBytes { raw -> Result<AlertEvent, WireFormatError> in
                do throws(WireFormatError) { return .success(try AlertCodec.decode(raw)) } catch { return .failure(error) }
            }
            switch alert {
            case let .success(a):
                #expect(AlertCodec.encode(a) == bytes, "\(name): an accepted alert re-encodes to its bytes")
                decodedAlerts += 1
            case let .failure(error):
                #expect(error.offset >= 0 && error.offset <= bytes.count, "\(name): \(error)")
            }
            let parsed = DiskSpool.parseSegment(bytes, path: name)
            spoolRecords += parsed.records.count
        }
        #expect(decodedPoints >= 5 && decodedAlerts >= 3 && spoolRecords >= 2,
                "seeds decode: \(decodedPoints) points messages, \(decodedAlerts) alerts, \(spoolRecords) spool records")
    }
}
