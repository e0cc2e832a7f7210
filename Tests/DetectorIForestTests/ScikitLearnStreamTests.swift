@testable import PluginKit
import Testing

/// `stream = .scikitLearn` must grow scikit-learn's own forest for a seed: the random
/// draws checked against NumPy, the scores against scikit-learn's (pinned by
/// bench/iforest_sklearn_stream_fixture.py; the whole ODDS check is
/// bench/iforest_sklearn_stream_check.py).
@Suite("IsolationForest: scikit-learn random stream")
struct ScikitLearnStreamTests {
    @Test("NumPy's RandomState: randint, permutation, uniform (values printed by NumPy 2.4)")
    func numpyDraws() {
        // np.random.RandomState(7).randint(2147483647, size=5)
        var a = NumpyRandomState(seed: 7)
        #expect((0..<5).map { _ in a.interval(2_147_483_646) } == [327_741_615, 976_413_892, 1_202_242_073, 1_369_975_286, 1_882_953_283])
        // r = RandomState(123456789); r.permutation(10), r.uniform(size=2), r.randint(1000), r.randint(0, 5)
        var b = NumpyRandomState(seed: 123_456_789)
        #expect(b.permutation(10) == [7, 0, 6, 3, 4, 5, 9, 1, 2, 8])
        #expect(b.unitDouble() == 0.7526936088721111)
        #expect(b.unitDouble() == 0.8838791836895437)
        #expect(b.randint(below: 1000) == 852)
        #expect(b.randint(below: 5) == 0)
    }

    @Test("sample_without_replacement: tracking selection and permutation (values printed by scikit-learn 1.9.1)")
    func subsampling() {
        var tracking = NumpyRandomState(seed: 3)
        #expect(tracking.sampleWithoutReplacement(population: 100_000, count: 5) == [71530, 67224, 77049, 59011, 48056])
        var permuted = NumpyRandomState(seed: 3)
        #expect(Array(permuted.sampleWithoutReplacement(population: 1000, count: 256).prefix(6)) == [642, 762, 909, 199, 586, 797])
    }

    /// The fixture's matrix: integers / 8 (exact in float32), a constant column, a
    /// three-valued column and a few far rows.
    static func matrix(rows n: Int, features d: Int) -> [Float] {
        var values: [Float] = []
        for i in 0..<n {
            for j in 0..<d {
                var v: Double
                switch j {
                case 2: v = 5
                case 3: v = Double(i % 3)
                default: v = Double(((i * 2_654_435_761 + j * 40503) >> 7) % 1000) / 8
                }
                if j == 0 && i % 97 == 0 { v += 500 }
                values.append(Float(v))
            }
        }
        return values
    }

    // scikit-learn 1.9.1, numpy 2.4.6: -IsolationForest(n_estimators=100, max_samples=256,
    // random_state=seed).fit(X).score_samples(X). n = 257 takes reservoir sampling, 600 a
    // permutation, 30000 tracking selection.
    static let expected: [(rows: Int, features: Int, seed: UInt64, first: [Double], sum: Double)] = [
        (rows: 257, features: 4, seed: 0, first: [0.773448028970, 0.468483665806, 0.489995513739, 0.464779621487, 0.465150315360, 0.484807647636], sum: 127.370476998),
        (rows: 600, features: 4, seed: 3, first: [0.711788186227, 0.488720344930, 0.509661606930, 0.497945177074, 0.483443212856, 0.516000086376], sum: 305.045366034),
        (rows: 30000, features: 4, seed: 11, first: [0.703553345807, 0.504829604806, 0.509782991202, 0.493903294924, 0.490486388034, 0.510835426091], sum: 15378.454546766),
    ]

    @Test("the same seed grows scikit-learn's trees: scores equal to float32 rounding", arguments: 0..<3)
    func scoresMatchScikitLearn(_ index: Int) throws {
        let c = ScikitLearnStreamTests.expected[index]
        let x = ScikitLearnStreamTests.matrix(rows: c.rows, features: c.features)
        let forest = try IsolationForest(fitting: x, featureCount: c.features,
                                         parameters: .init(seed: c.seed, stream: .scikitLearn))
        var scores = [Double](repeating: 0, count: c.rows)
        try x.withUnsafeBufferPointer { m in
            try scores.withUnsafeMutableBufferPointer { try forest.scores(m, into: $0) }
        }
        for (ours, theirs) in zip(scores, c.first) {
            #expect(abs(ours - theirs) < 1e-6, "row score \(ours) vs scikit-learn \(theirs)")
        }
        // One different tree moves the sum by far more than float32 rounding does.
        #expect(abs(scores.reduce(0, +) - c.sum) < 1e-7 * Double(c.rows), "sum \(scores.reduce(0, +)) vs \(c.sum)")
    }

    @Test("the default stream draws other trees (so the test above tests the stream)")
    func defaultStreamDiffers() throws {
        let x = ScikitLearnStreamTests.matrix(rows: 600, features: 4)
        let ours = try IsolationForest(fitting: x, featureCount: 4, parameters: .init(seed: 3))
        let sklearn = try IsolationForest(fitting: x, featureCount: 4, parameters: .init(seed: 3, stream: .scikitLearn))
        #expect(try ours.score(Array(x[0..<4])) != sklearn.score(Array(x[0..<4])))
    }

    @Test("a seed beyond 32 bits is refused for the scikit-learn stream, naming the seed")
    func seedRange() {
        #expect(throws: IsolationForestError.invalidParameter(name: "seed", value: 1 << 32)) {
            try IsolationForest(fitting: [0, 1, 2, 3], featureCount: 1,
                                parameters: .init(seed: 1 << 32, stream: .scikitLearn))
        }
    }
}
