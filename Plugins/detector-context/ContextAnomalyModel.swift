/// What one step of the model saw, for the score and for a readable alert.
struct ContextStep: Sendable, Equatable {
    /// The score as published: `raw`, or 0 while resting after a high raw score.
    var score: Double
    /// (1 − active/selected + new/candidates) / 2 when the value was not predicted, else 0.
    var raw: Double
    /// Whether the value's bin was fully predicted by the previous step's contexts.
    var predicted: Bool
    /// Contexts whose left side was complete, and those of them whose right side followed.
    var selected: Int
    var active: Int
    /// Candidate new contexts this step (the whole step plus partial matches), and how
    /// many of them were in fact new.
    var candidates: Int
    var new: Int
    /// True while the rest period suppresses the score.
    var resting: Bool
}

/// CAD OSE, the Contextual Anomaly Detector, open-source edition (M. Smirnov; NAB's
/// `nab/detectors/context_ose`), for one series: the value's bin becomes a few sensor
/// facts; together with the contexts active one step ago ("neurons") they form the left
/// side of the next context, and the model scores how far the present was not what its
/// learned contexts predicted and how much of the present's context is new.
///
/// Deterministic: the same values give the same scores. Each step costs time in the
/// number of contexts sharing a fact with it and allocates only when it learns a new set
/// or context. Not thread-safe.
struct ContextAnomalyModel: Sendable {
    struct Parameters: Sendable, Equatable {
        /// Longest partial left side a derived context may have (reference: 7).
        var maxLeftLength = 7
        /// Most active contexts carried to the next step as neurons (reference: 15).
        var maxActiveNeurons = 15
        /// Bits of the value encoding: 2^bits bins over the range (reference: 3).
        var bits = 3
        /// Raw score at or above which the next `rest` scores are suppressed (reference: 0.75).
        var baseThreshold = 0.75
        /// Points after a high raw score during which the score is 0 (reference: NAB's
        /// probationary period / 5).
        var rest = 30
    }

    let parameters: Parameters
    private(set) var memory: ContextMemory
    /// Sorted facts of the previous step: its sensor facts and its neurons.
    private(set) var leftFacts: ContiguousArray<Int> = []
    /// Sensor slots the previous step's contexts predicted.
    private(set) var predictedMask: UInt32 = 0
    /// Steps since the last raw score ≥ baseThreshold. The reference's history starts
    /// with a 1.0, so the model begins resting: 0.
    private(set) var sinceHigh = 0
    /// Steps taken.
    private(set) var steps = 0
    // Scratch, reused every step.
    private var sensorFacts: ContiguousArray<Int> = []
    private var active: ContiguousArray<Int32> = []
    private var neurons: ContiguousArray<Int32> = []
    private var distinct: Set<HashPair> = []

    struct HashPair: Hashable, Sendable { var left: Int64, right: Int64 }

    init(_ parameters: Parameters) {
        self.parameters = parameters
        memory = ContextMemory(maxLeftLength: parameters.maxLeftLength, sensorSlots: 2 * parameters.bits)
        sensorFacts.reserveCapacity(parameters.bits)
        neurons.reserveCapacity(parameters.maxActiveNeurons)
    }

    /// Learns from and scores the value in bin `bin` (0 ..< 2^bits).
    mutating func step(bin: Int) -> ContextStep {
        sensorFacts.removeAll(keepingCapacity: true)
        var mask: UInt32 = 0
        for position in 0..<parameters.bits {
            let bit = (bin >> position) & 1
            sensorFacts.append(Fact.sensor(position: position, value: bit))
            mask |= 1 << UInt32(2 * position + bit)
        }
        let predicted = mask & ~predictedMask == 0
        distinct.removeAll(keepingCapacity: true)

        var newContext = false
        if !leftFacts.isEmpty {
            // Local references to the fact arrays, so the buffers are not accesses to `self`.
            let previous = leftFacts, sensor = sensorFacts
            let pair = HashPair(left: FactsHash.of(previous), right: FactsHash.of(sensor))
            distinct.insert(pair)
            newContext = previous.withUnsafeBufferPointer { p in
                sensor.withUnsafeBufferPointer { s in
                    memory.store(left: p, leftHash: pair.left, right: s, rightHash: pair.right, zeroLevel: true)
                }
            }
        }
        let selected = memory.update(sensorFacts: sensorFacts, previousLeft: leftFacts, newContext: newContext,
                                     active: &active)
        for c in memory.candidates { distinct.insert(HashPair(left: c.leftHash, right: c.rightHash)) }
        let activeShare = selected > 0 ? Double(active.count) / Double(selected) : 0

        chooseNeurons()
        leftFacts.removeAll(keepingCapacity: true)
        leftFacts.append(contentsOf: sensorFacts)
        for n in neurons { leftFacts.append(Fact.neuron(n)) }

        var new = memory.candidates.isEmpty ? 0 : memory.storeCandidates()
        predictedMask = memory.predict(leftFacts: leftFacts)
        if newContext { new += 1 }
        let newShare = newContext && !distinct.isEmpty ? Double(new) / Double(distinct.count) : 0

        let raw = predicted ? 0 : (1 - activeShare + newShare) / 2
        let resting = sinceHigh < parameters.rest
        sinceHigh = raw >= parameters.baseThreshold ? 0 : min(sinceHigh + 1, Int.max - 1)
        steps += 1
        return ContextStep(score: resting ? 0 : raw, raw: raw, predicted: predicted, selected: selected,
                           active: active.count, candidates: distinct.count, new: new, resting: resting)
    }

    /// The neurons of the next step: the `maxActiveNeurons` active contexts ranked highest
    /// by (activations, left hash, right hash), as the reference's sort keeps its tail;
    /// then in id order, which is their facts' sorted order.
    private mutating func chooseNeurons() {
        neurons.removeAll(keepingCapacity: true)
        let limit = parameters.maxActiveNeurons
        guard limit > 0 else { return }
        // Insertion into a short list kept ascending by rank: O(active × limit), no allocation.
        for context in active {
            let rank = memory.rank(context)
            if neurons.count == limit {
                guard rank > memory.rank(neurons[0]) else { continue }
                neurons.removeFirst()
            }
            var i = neurons.count
            neurons.append(context)
            while i > 0, memory.rank(neurons[i - 1]) > rank {
                neurons[i] = neurons[i - 1]
                i -= 1
            }
            neurons[i] = context
        }
        neurons.sort()
    }

    /// Approximate heap bytes of the learned contexts.
    var approximateBytes: Int { memory.approximateBytes }
}
