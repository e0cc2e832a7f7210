/// Facts are integers: the bits of the current value (sensor facts) and the contexts that
/// were active at the previous step (neuron facts), numbered as in the reference so the
/// hashes, and with them its tie-breaks, come out the same.
enum Fact {
    /// Sensor fact of bit `position` (0 = least significant) having `value` 0 or 1.
    @inline(__always)
    static func sensor(position: Int, value: Int) -> Int { 65536 + position * 2 + value }

    /// Neuron fact of context `id`: "context `id` was active one step ago".
    @inline(__always)
    static func neuron(_ id: Int32) -> Int { (1 << 31) + Int(id) }

    /// Dense index of a fact: sensor facts first (0 ..< `sensorSlots`), then one per context.
    @inline(__always)
    static func slot(_ fact: Int, sensorSlots: Int) -> Int {
        fact >= 1 << 31 ? sensorSlots + (fact - (1 << 31)) : fact - 65536
    }
}

/// One side of the context memory: the distinct fact sets seen as the left part of a
/// context (what came before) or as its right part (what came next), each stored once
/// and shared by every context that has it.
///
/// A "crossing" matches the current facts against every stored set: `crossed[id]` is how
/// many of the set's facts are present now (the set is fully present when it equals its
/// length). Sets are found through the facts they contain (`bySlot`), so a crossing
/// costs the sum of those lists, not a scan of every set for every fact. Not thread-safe.
struct SemiContexts: Sendable {
    /// Number of sensor fact slots (2 per bit of the value encoding).
    let sensorSlots: Int
    /// FactsHash of a set → its id (ids are dense, in creation order).
    private var ids: [Int64: Int32] = [:]
    private(set) var hashes: ContiguousArray<Int64> = []
    private(set) var lengths: ContiguousArray<Int32> = []
    /// The sets' facts, sorted within a set, all sets in one pool: `factStart[id]` onwards.
    private var factStart: ContiguousArray<Int32> = []
    private var factPool: ContiguousArray<Int> = []
    /// Each set's sensor facts as a mask over sensor slots (what a right set predicts).
    private(set) var sensorMasks: ContiguousArray<UInt32> = []
    /// Facts of each set present in the latest crossing.
    private(set) var crossed: ContiguousArray<Int32> = []
    /// Sets with at least one fact present in the latest crossing; ascending (creation
    /// order) after `cross(_:ordered: true)`, which is the order the reference visits them.
    private(set) var crossedIDs: ContiguousArray<Int32> = []
    /// Fact slot → ids of the sets containing that fact, in creation order.
    private var bySlot: ContiguousArray<ContiguousArray<Int32>> = []

    init(sensorSlots: Int) { self.sensorSlots = sensorSlots }

    var count: Int { lengths.count }

    /// The id of the set `facts` (sorted) with hash `hash`, storing it when new.
    mutating func intern(_ facts: UnsafeBufferPointer<Int>, hash: Int64) -> Int32 {
        if let id = ids[hash] { return id }
        let id = Int32(lengths.count)
        ids[hash] = id
        hashes.append(hash)
        lengths.append(Int32(facts.count))
        factStart.append(Int32(factPool.count))
        factPool.append(contentsOf: facts)
        crossed.append(0)
        var mask: UInt32 = 0
        for fact in facts {
            let slot = Fact.slot(fact, sensorSlots: sensorSlots)
            if slot < sensorSlots { mask |= 1 << UInt32(slot) }
            if slot >= bySlot.count {
                bySlot.append(contentsOf: repeatElement([], count: slot + 1 - bySlot.count))
            }
            bySlot[slot].append(id)
        }
        sensorMasks.append(mask)
        return id
    }

    /// Matches `input` (sorted facts) against every set. With `ordered`, `crossedIDs`
    /// comes out in creation order (needed on the left side, where the order decides
    /// the ids of contexts created from the crossing).
    mutating func cross(_ input: ContiguousArray<Int>, ordered: Bool) {
        for id in crossedIDs { crossed[Int(id)] = 0 }
        crossedIDs.removeAll(keepingCapacity: true)
        for fact in input {
            let slot = Fact.slot(fact, sensorSlots: sensorSlots)
            guard slot >= 0, slot < bySlot.count else { continue }
            // A copy of the list's reference (no element copy): `crossed` changes meanwhile.
            let sets = bySlot[slot]
            for id in sets {
                if crossed[Int(id)] == 0 { crossedIDs.append(id) }
                crossed[Int(id)] &+= 1
            }
        }
        if ordered {
            // Most sets share a sensor fact with any input, so a pass over all of them in
            // id order is as cheap as sorting the touched ones, and allocates nothing.
            crossedIDs.removeAll(keepingCapacity: true)
            for id in 0..<crossed.count where crossed[id] > 0 { crossedIDs.append(Int32(id)) }
        }
    }

    /// Whether every fact of set `id` was present in the latest crossing.
    @inline(__always)
    func isFullyCrossed(_ id: Int32) -> Bool { crossed[Int(id)] == lengths[Int(id)] }

    /// Appends the facts of set `id` that are also in `input` (both sorted) to `out`, in
    /// order: the part of the set the latest crossing with `input` matched.
    func appendCrossedFacts(of id: Int32, input: ContiguousArray<Int>, to out: inout ContiguousArray<Int>) {
        let start = Int(factStart[Int(id)])
        let end = start + Int(lengths[Int(id)])
        var i = start, j = 0
        while i < end, j < input.count {
            let a = factPool[i], b = input[j]
            if a == b { out.append(a); i += 1; j += 1 } else if a < b { i += 1 } else { j += 1 }
        }
    }

    /// Approximate heap bytes held (for the memory limit and its log line).
    var approximateBytes: Int {
        // Per set: hash (twice: array and index), length, start, crossed, mask; per fact: the pool
        // entry and its place in a `bySlot` list; per slot: an array header.
        count * 40 + factPool.count * 12 + bySlot.count * 32
    }
}
