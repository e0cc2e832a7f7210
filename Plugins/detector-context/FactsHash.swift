/// The identity of a semi-context: a 64-bit hash of its sorted facts.
///
/// It is the tuple hash of CPython 2 (`tuplehash` in Objects/tupleobject.c over integers,
/// whose hash is the integer itself), which the reference CAD OSE ran on. Two things
/// depend on it: semi-contexts are looked up by it (as in the reference, a collision
/// would merge two, with odds of about 2⁻⁶⁴ per pair), and when more contexts are
/// active than may become neurons, ties in activation count are broken by it. Using the
/// reference's own hash keeps those tie-breaks, and so the published scores, reproducible.
enum FactsHash {
    /// The hash of `facts` in order (they are always sorted ascending).
    @inline(__always)
    static func of(_ facts: UnsafeBufferPointer<Int>) -> Int64 {
        var x: Int64 = 0x345678
        var mult: Int64 = 1_000_003
        var remaining = Int64(facts.count)
        for fact in facts {
            remaining -= 1
            let y = fact == -1 ? -2 : Int64(fact)
            x = (x ^ y) &* mult
            mult = mult &+ (82520 &+ remaining &+ remaining)
        }
        x = x &+ 97531
        return x == -1 ? -2 : x
    }

    static func of(_ facts: ContiguousArray<Int>) -> Int64 {
        facts.withUnsafeBufferPointer { of($0) }
    }

    static func of(_ facts: [Int]) -> Int64 {
        facts.withUnsafeBufferPointer { of($0) }
    }
}
