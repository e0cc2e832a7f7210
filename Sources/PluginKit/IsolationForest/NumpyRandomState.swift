/// The draws of NumPy's legacy `numpy.random.RandomState` (MT19937 seeded with
/// `init_genrand`) that scikit-learn's IsolationForest makes: bounded integers by
/// masked rejection, `permutation`, and `uniform` doubles.
///
/// It exists so that `IsolationForest.Parameters.stream = .scikitLearn` grows, for a
/// given seed, the very trees `IsolationForest(random_state: seed)` grows — which turns
/// "same semantics as scikit-learn" from a statistical claim into one checked tree by
/// tree (see `ScikitLearnTreeBuilder`). Not for anything else: SplitMix64 is faster.
struct NumpyRandomState {
    private var key: [UInt32]
    private var position: Int

    /// `numpy.random.RandomState(seed)` for an integer seed.
    init(seed: UInt32) {
        key = [UInt32](repeating: 0, count: 624)
        var s = seed
        for i in 0..<624 {
            key[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
        position = 624
    }

    mutating func nextUInt32() -> UInt32 {
        if position == 624 { regenerate() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func regenerate() {
        for i in 0..<624 {
            let y = (key[i] & 0x8000_0000) | (key[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = key[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            key[i] = v
        }
        position = 0
    }

    /// Uniform in 0...max by masked rejection: NumPy's `random_interval` (which
    /// `shuffle` uses) and the legacy `randint(low, high)` with `max = high − low − 1`,
    /// for ranges that fit 32 bits. `max == 0` draws nothing, as in NumPy.
    mutating func interval(_ max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = nextUInt32() & mask
            if value <= max { return value }
        }
    }

    /// `randint(bound)`: uniform in 0..<bound.
    mutating func randint(below bound: Int) -> Int {
        Int(interval(UInt32(bound - 1)))
    }

    /// `random_sample()` / `uniform()`: 53 bits from two draws.
    mutating func unitDouble() -> Double {
        let a = Double(nextUInt32() >> 5)
        let b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `permutation(n)` (a Fisher–Yates shuffle of 0..<n from the end).
    mutating func permutation(_ n: Int) -> [Int32] {
        var out = (0..<Int32(n)).map { $0 }
        var i = n - 1
        while i > 0 {
            let j = Int(interval(UInt32(i)))
            out.swapAt(i, j)
            i -= 1
        }
        return out
    }

    /// scikit-learn's `sample_without_replacement(n, k, method="auto")`: a permutation's
    /// prefix when 0.01 < k/n < 0.99, tracking selection (redraw until new) below,
    /// reservoir sampling above.
    mutating func sampleWithoutReplacement(population n: Int, count k: Int) -> [Int32] {
        let ratio = Double(k) / Double(n)
        if ratio > 0.01 && ratio < 0.99 {
            return Array(permutation(n).prefix(k))
        }
        if ratio < 0.2 {
            var selected = Set<Int32>(minimumCapacity: k)
            var out: [Int32] = []
            out.reserveCapacity(k)
            for _ in 0..<k {
                var j = Int32(randint(below: n))
                while selected.contains(j) { j = Int32(randint(below: n)) }
                selected.insert(j)
                out.append(j)
            }
            return out
        }
        var out = (0..<Int32(k)).map { $0 }
        if n > k {
            for i in k..<n {
                let j = Int(interval(UInt32(i)))
                if j < k { out[j] = Int32(i) }
            }
        }
        return out
    }
}
