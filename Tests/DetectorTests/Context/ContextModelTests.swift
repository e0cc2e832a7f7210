@testable import DetectorContext
import Testing

/// The CAD OSE arithmetic, without the plugin around it.
@Suite("detector-context: the CAD OSE model")
struct ContextModelTests {
    /// A six-step cycle over bins 0..7 of the range 0…7.5, a small bump every 7th step,
    /// and at steps 300–301 two values the cycle never has.
    static let series: [Double] = (0..<400).map { i -> Double in
        if i == 300 { return 3.6 }
        if i == 301 { return 6.1 }
        return [0, 2, 5, 7, 5, 2][i % 6] + (i % 7 == 0 ? 0.3 : 0)
    }

    static func run(_ values: [Double], rest: Int = 20) -> (model: ContextAnomalyModel, steps: [ContextStep]) {
        var parameters = ContextAnomalyModel.Parameters()
        parameters.rest = rest
        var model = ContextAnomalyModel(parameters)
        let range = ValueRange(min: 0, max: 7.5, bits: 3)
        let steps = values.map { model.step(bin: range.bin($0)) }
        return (model, steps)
    }

    @Test("scores equal the reference's (NAB context_ose, run under Python) on a test series")
    func matchesReference() {
        // Expected numbers: the reference cad_ose.py / context_operator.py (Python 2 semantics:
        // its tuple hash, integer division) on the same values with minValue 0, maxValue 7.5,
        // restPeriod 20; every other parameter at its default.
        let (model, steps) = Self.run(Self.series)
        #expect(model.memory.count == 340)
        #expect(model.memory.left.count == 224 && model.memory.right.count == 21)
        #expect(steps.map(\.raw).reduce(0, +) == 46.83667107780701)
        #expect(steps.map(\.score).reduce(0, +) == 27.255997038867847)
        #expect(steps.filter { $0.score > 0 }.count == 98)
        #expect([5, 50, 281, 300, 301, 302, 303].map { steps[$0].raw }
                == [0.875, 0.4289044289044289, 0.2605633802816901, 1.0, 1.0, 0.65, 0.35913978494623655])
        #expect([50, 281, 300, 301, 302, 303, 325].map { steps[$0].score }
                == [0, 0.2605633802816901, 1.0, 0, 0, 0, 0])
    }

    @Test("a pattern repeated is learned: its values are predicted and score 0; a new pattern scores high")
    func repeatedPatternIsNotAnomalous() {
        let cycle: [Double] = [1, 3, 6, 3]
        let (_, steps) = Self.run(Array(repeating: cycle, count: 100).flatMap { $0 } + [7.4, 0.2, 7.4], rest: 10)
        // After a few cycles every value is what the contexts predicted.
        #expect(steps[40..<400].allSatisfy { $0.predicted && $0.raw == 0 })
        #expect(steps[400].raw == 1 && !steps[400].predicted && steps[400].score == 1)
        // The rest period: the next points score 0 whatever they are.
        #expect(steps[401].resting && steps[401].score == 0 && steps[402].score == 0)
    }

    @Test("the same values give the same scores and the same memory")
    func deterministic() {
        let a = Self.run(Self.series)
        let b = Self.run(Self.series)
        #expect(a.steps == b.steps)
        #expect(a.model.memory.count == b.model.memory.count && a.model.leftFacts == b.model.leftFacts)
    }

    @Test("the first `rest` points score 0, as the reference's history starts with a 1.0")
    func startsResting() {
        let (_, steps) = Self.run(Self.series, rest: 20)
        #expect(steps[..<20].allSatisfy { $0.resting && $0.score == 0 })
        #expect(steps[5].raw > 0)
    }

    @Test("the facts hash is CPython 2's tuple hash")
    func factsHash() {
        // Values printed by CPython-2-compatible tuplehash on the same tuples.
        #expect(FactsHash.of([65536, 65538, 65540]) == -4_455_757_042_315_825_859)
        #expect(FactsHash.of([65537]) == 3_495_555_584_166)
        #expect(FactsHash.of([]) == 3_527_539)
        #expect(FactsHash.of([65536, 65539, 65541, (1 << 31) + 5, (1 << 31) + 17]) == 1_123_121_763_878_189_743)
    }

    @Test("bins: ⌊(x − min)/step⌋, max in the last bin, outside values clamped, a constant warm-up centred")
    func valueRange() {
        let r = ValueRange(min: 0, max: 7, bits: 3)
        #expect([0, 0.99, 1, 6.5, 7].map(r.bin) == [0, 0, 1, 6, 7])
        #expect(r.bin(-1e300) == 0 && r.bin(1e300) == 7 && r.bin(-0.5) == 0)
        #expect(r.isOutside(7.1) && !r.isOutside(7))
        let constant = ValueRange.learned(lo: 40, hi: 40, bits: 3)
        #expect(constant.min == 20 && constant.max == 60 && constant.bin(40) == 3)
        #expect(constant.bin(47) == 4 && constant.bin(33) == 2)
        let zero = ValueRange.learned(lo: 0, hi: 0, bits: 3)
        #expect(zero.min == -0.5 && zero.max == 0.5)
    }
}
