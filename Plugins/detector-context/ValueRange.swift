/// The value range a series is encoded over: 2^bits equal bins from `min` to `max`,
/// values outside clamped to the first or last bin.
///
/// As in the reference: bin = ⌊(x − min) / step⌋ with step = (max − min) / (2^bits − 1),
/// so `max` itself falls in the last bin; a range of width 0 gets a step of 1 unit.
struct ValueRange: Sendable, Equatable {
    let min: Double
    let max: Double
    let step: Double
    let lastBin: Int

    init(min: Double, max: Double, bits: Int) {
        self.min = min
        self.max = max
        lastBin = (1 << bits) - 1
        let width = max - min
        step = (width == 0 ? Double(lastBin) : width) / Double(lastBin)
    }

    /// The range learned from a warm-up's extremes. A constant warm-up (lo == hi) says
    /// nothing about scale: it is centred on the value with half-width max(|value|, 1) / 2,
    /// so a later change of about a seventh of the value's size moves a bin either way.
    /// `margin` widens a learned range by that fraction of its width on each side, so
    /// values a little beyond the warm-up's extremes still get bins of their own.
    static func learned(lo: Double, hi: Double, bits: Int, margin: Double = 0) -> ValueRange {
        guard hi > lo else {
            let half = Swift.max(abs(lo), 1) / 2
            return ValueRange(min: lo - half, max: lo + half, bits: bits)
        }
        let pad = (hi - lo) * margin
        return ValueRange(min: lo - pad, max: hi + pad, bits: bits)
    }

    /// The bin of a finite `x`, clamped into 0 ... lastBin.
    @inline(__always)
    func bin(_ x: Double) -> Int {
        let position = (x - min) / step
        // Truncation toward zero, as the reference's int(); clamped before converting so
        // an out-of-range value cannot overflow.
        if !(position > 0) { return 0 }
        if position >= Double(lastBin) { return lastBin }
        return Int(position)
    }

    /// Whether `x` lies outside the range (and was clamped).
    @inline(__always)
    func isOutside(_ x: Double) -> Bool { x < min || x > max }
}
