import PluginKit
import Testing

@Suite("IsolationForest binary format")
struct CodingTests {
    static let forest: IsolationForest = {
        // Built once; a fit failure here is a bug the other suites report.
        (try? IsolationForest(fitting: ForestTests.cluster(rows: 300, seed: 1), featureCount: 2,
                              parameters: .init(trees: 10, samples: 64, seed: 3)))!
    }()

    @Test("encode → decode gives the same forest and the same scores")
    func roundTrip() throws {
        let bytes = CodingTests.forest.encoded()
        let decoded = try IsolationForest(decoding: bytes)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.treeCount == 10 && decoded.sampleSize == 64 && decoded.featureCount == 2 && decoded.trainingRows == 300)
        let data = ForestTests.cluster(rows: 50, seed: 9)
        #expect(try decoded.scores(data) == CodingTests.forest.scores(data))
    }

    @Test("a flipped byte, a truncation or another version is refused with a reason")
    func corruption() {
        var bytes = CodingTests.forest.encoded()
        bytes[100] ^= 0x40
        #expect(throws: IsolationForestError.corruptModel("checksum mismatch")) { try IsolationForest(decoding: bytes) }

        let truncated = Array(CodingTests.forest.encoded().prefix(50))
        #expect(throws: IsolationForestError.self) { try IsolationForest(decoding: truncated) }
        #expect(throws: IsolationForestError.self) { try IsolationForest(decoding: []) }

        // Version 2 with a valid checksum: refused for its version, not its checksum.
        var other = Array(CodingTests.forest.encoded().dropLast(8))
        other[4] = 2
        var w = ByteWriter()
        w.append(bytes: other)
        w.appendChecksum()
        #expect(throws: IsolationForestError.corruptModel("format version 2, this build reads 1")) {
            try IsolationForest(decoding: w.bytes)
        }
    }

    @Test("a split naming a feature that does not exist is refused even with a valid checksum")
    func outOfRangeFeature() {
        var body = Array(CodingTests.forest.encoded().dropLast(8))
        // First split's feature field: header (4·6 + 8 bytes), then threshold (4 bytes).
        body[32 + 4] = 9
        var w = ByteWriter()
        w.append(bytes: body)
        w.appendChecksum()
        #expect(throws: IsolationForestError.corruptModel("split on feature 9 of 2")) { try IsolationForest(decoding: w.bytes) }
    }
}
