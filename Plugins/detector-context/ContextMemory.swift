/// A candidate context the latest update found: the matched part of a left set and of a
/// right set, as ranges of `ContextMemory.candidateFacts`, with their hashes.
struct CandidateContext: Sendable {
    var leftStart: Int32, leftCount: Int32
    var rightStart: Int32, rightCount: Int32
    var leftHash: Int64, rightHash: Int64
}

/// The context memory of CAD OSE (the reference's `ContextOperator`): contexts are pairs
/// (left set of facts → right set of facts) learned from consecutive steps, each with
/// counters of how often its left side was complete (`selected`, summed over the right
/// side's size), how much of its right side then followed (`predicted`), and how often
/// all of it did (`activations`).
///
/// Contexts are only ever added: memory grows with the variety of the series, which is
/// why the detector bounds it (`max_contexts`). Not thread-safe.
struct ContextMemory: Sendable {
    let maxLeftLength: Int32
    private(set) var left: SemiContexts
    private(set) var right: SemiContexts
    /// Per context: the counters above, its sides, and whether it was ever a zero-level
    /// context (a whole step → the next), the only kind new contexts are derived from.
    private(set) var selected: ContiguousArray<Int> = []
    private(set) var predicted: ContiguousArray<Int> = []
    private(set) var activations: ContiguousArray<Int> = []
    private(set) var leftOf: ContiguousArray<Int32> = []
    private(set) var rightOf: ContiguousArray<Int32> = []
    private(set) var zeroLevel: ContiguousArray<Bool> = []
    /// Left set id → its contexts, in creation order; (left id, right id) → context id.
    private var byLeft: ContiguousArray<ContiguousArray<Int32>> = []
    private var byPair: [UInt64: Int32] = [:]
    /// The zero-level context created at this step, skipped by `update`. The reference
    /// resets it to `False`, which Python compares equal to 0, so context 0 is skipped
    /// whenever no new one was created: kept, since the published scores include it.
    private var skipped: Int32 = 0
    /// Scratch of `update`, reused: candidates and their facts.
    private(set) var candidates: ContiguousArray<CandidateContext> = []
    private(set) var candidateFacts: ContiguousArray<Int> = []

    init(maxLeftLength: Int, sensorSlots: Int) {
        self.maxLeftLength = Int32(maxLeftLength)
        left = SemiContexts(sensorSlots: sensorSlots)
        right = SemiContexts(sensorSlots: sensorSlots)
    }

    var count: Int { selected.count }

    /// Stores the context (left → right) unless known. Returns whether it was new. A
    /// zero-level store marks a known context zero-level, and a new one as this step's.
    mutating func store(left leftFacts: UnsafeBufferPointer<Int>, leftHash: Int64,
                        right rightFacts: UnsafeBufferPointer<Int>, rightHash: Int64, zeroLevel isZero: Bool) -> Bool {
        let l = left.intern(leftFacts, hash: leftHash)
        if Int(l) == byLeft.count { byLeft.append([]) }
        let r = right.intern(rightFacts, hash: rightHash)
        let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
        if let existing = byPair[key] {
            if isZero { zeroLevel[Int(existing)] = true }
            return false
        }
        let id = Int32(selected.count)
        byPair[key] = id
        selected.append(0)
        predicted.append(0)
        activations.append(0)
        leftOf.append(l)
        rightOf.append(r)
        zeroLevel.append(isZero)
        byLeft[Int(l)].append(id)
        if isZero { skipped = id }
        return true
    }

    /// Stores this step's candidates (not zero-level); returns how many were new.
    mutating func storeCandidates() -> Int {
        // Local references (no copies: neither array changes while storing), so the
        // buffers below are not accesses to `self` that `store` would overlap.
        let list = candidates
        let pool = candidateFacts
        var added = 0
        pool.withUnsafeBufferPointer { facts in
            for c in list {
                let isNew = store(left: UnsafeBufferPointer(rebasing: facts[Int(c.leftStart)..<Int(c.leftStart + c.leftCount)]),
                                  leftHash: c.leftHash,
                                  right: UnsafeBufferPointer(rebasing: facts[Int(c.rightStart)..<Int(c.rightStart + c.rightCount)]),
                                  rightHash: c.rightHash, zeroLevel: false)
                if isNew { added += 1 }
            }
        }
        return added
    }

    /// Crosses the right sets with the current sensor facts, then, for every left set the
    /// previous left crossing (with `previousLeft`) touched, updates its contexts'
    /// counters, appends the contexts whose two sides are both complete to `active`, and
    /// (when `newContext`: this step brought a new zero-level context) collects the
    /// partial matches of zero-level contexts as `candidates`. Returns how many contexts
    /// had a complete left side (the "selected" ones).
    mutating func update(sensorFacts: ContiguousArray<Int>, previousLeft: ContiguousArray<Int>,
                         newContext: Bool, active: inout ContiguousArray<Int32>) -> Int {
        right.cross(sensorFacts, ordered: false)
        candidates.removeAll(keepingCapacity: true)
        candidateFacts.removeAll(keepingCapacity: true)
        active.removeAll(keepingCapacity: true)
        var selectedCount = 0
        for l in left.crossedIDs {
            let leftCrossed = left.crossed[Int(l)]
            let leftComplete = leftCrossed == left.lengths[Int(l)]
            for context in byLeft[Int(l)] where context != skipped {
                let c = Int(context)
                let r = rightOf[c]
                let rightLength = right.lengths[Int(r)]
                let rightCrossed = right.crossed[Int(r)]
                if leftComplete {
                    selectedCount += 1
                    selected[c] += Int(rightLength)
                    guard rightCrossed > 0 else { continue }
                    predicted[c] += Int(rightCrossed)
                    if rightLength == rightCrossed {
                        activations[c] += 1
                        active.append(context)
                        continue
                    }
                } else if rightCrossed == 0 {
                    continue
                }
                if zeroLevel[c], newContext, leftCrossed <= maxLeftLength {
                    addCandidate(left: l, right: r, sensorFacts: sensorFacts, previousLeft: previousLeft)
                }
            }
        }
        skipped = 0
        return selectedCount
    }

    private mutating func addCandidate(left l: Int32, right r: Int32, sensorFacts: ContiguousArray<Int>,
                                       previousLeft: ContiguousArray<Int>) {
        let leftStart = candidateFacts.count
        left.appendCrossedFacts(of: l, input: previousLeft, to: &candidateFacts)
        let rightStart = candidateFacts.count
        right.appendCrossedFacts(of: r, input: sensorFacts, to: &candidateFacts)
        let end = candidateFacts.count
        let (leftHash, rightHash) = candidateFacts.withUnsafeBufferPointer { facts in
            (FactsHash.of(UnsafeBufferPointer(rebasing: facts[leftStart..<rightStart])),
             FactsHash.of(UnsafeBufferPointer(rebasing: facts[rightStart..<end])))
        }
        candidates.append(CandidateContext(leftStart: Int32(leftStart), leftCount: Int32(rightStart - leftStart),
                                           rightStart: Int32(rightStart), rightCount: Int32(end - rightStart),
                                           leftHash: leftHash, rightHash: rightHash))
    }

    /// Crosses the left sets with the new left facts and returns what the contexts whose
    /// left side is complete predict: the right sides of those with the best hit ratio
    /// `predicted / selected`, as a sensor-slot mask. (As in the reference, ratio-0
    /// contexts count while no better one has been seen.)
    mutating func predict(leftFacts: ContiguousArray<Int>) -> UInt32 {
        left.cross(leftFacts, ordered: true)
        var best = 0.0
        var mask: UInt32 = 0
        for l in left.crossedIDs where left.isFullyCrossed(l) {
            for context in byLeft[Int(l)] {
                let c = Int(context)
                let weight = selected[c] > 0 ? Double(predicted[c]) / Double(selected[c]) : 0
                if weight > best {
                    best = weight
                    mask = right.sensorMasks[Int(rightOf[c])]
                } else if weight == best {
                    mask |= right.sensorMasks[Int(rightOf[c])]
                }
            }
        }
        return mask
    }

    /// The key the reference sorts active contexts by to pick the neurons:
    /// (activations, left hash, right hash), compared in that order.
    @inline(__always)
    func rank(_ context: Int32) -> (Int, Int64, Int64) {
        let c = Int(context)
        return (activations[c], left.hashes[Int(leftOf[c])], right.hashes[Int(rightOf[c])])
    }

    /// Approximate heap bytes held.
    var approximateBytes: Int {
        left.approximateBytes + right.approximateBytes + count * (3 * 8 + 4 + 4 + 1 + 4 + 24) + byLeft.count * 32
    }
}
