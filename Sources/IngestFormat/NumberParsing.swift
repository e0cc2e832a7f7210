#if canImport(Glibc)
import Glibc
#endif

/// Exact decimal-to-binary number parsing over raw bytes.
///
/// Decimal numbers with at most 19 significant digits, a mantissa below 2^53 and a
/// power of ten within ±22 are converted exactly with one multiplication or division
/// (Clinger's fast path: both operands are exact doubles, so IEEE rounding gives the
/// correctly rounded result). Everything else goes to strtod(3) on a NUL-terminated copy.
enum NumberParsing {
    /// Why a numeric text was refused.
    enum Failure: Error, Equatable {
        case syntax
        case notFinite
        case overflow
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// A decimal float: `[+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?`; with `json`, JSON's stricter
    /// grammar (`-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?`). NaN and infinity words, and values
    /// overflowing to infinity, are `.notFinite`.
    static func double(_ p: UnsafePointer<UInt8>, _ n: Int, json: Bool = false) throws(Failure) -> Double {
        guard n > 0 else { throw .syntax }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") || (!json && p[0] == UInt8(ascii: "+")) {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        if isNonFiniteWord(p + i, n - i) { throw .notFinite }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        var truncated = false
        let intStart = i
        while i < n, p[i] &- 48 < 10 {
            accumulate(p[i], &mantissa, &significant, &exponent, &truncated, fraction: false)
            i += 1
            digits += 1
        }
        if json {
            guard i > intStart else { throw .syntax }
            if p[intStart] == UInt8(ascii: "0") && i - intStart > 1 { throw .syntax }
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < n, p[i] &- 48 < 10 {
                accumulate(p[i], &mantissa, &significant, &exponent, &truncated, fraction: true)
                i += 1
                digits += 1
            }
            if json && i == fracStart { throw .syntax }
        }
        guard digits > 0 else { throw .syntax }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            let expStart = i
            var e = 0
            while i < n, p[i] &- 48 < 10 {
                if e < 100_000 { e = e * 10 + Int(p[i] &- 48) }
                i += 1
            }
            guard i > expStart else { throw .syntax }
            exponent += expNegative ? -e : e
        }
        guard i == n else { throw .syntax }

        var value: Double
        if !truncated && mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
            value = Double(mantissa)
            value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
            if negative { value = -value }
        } else if mantissa == 0 && !truncated {
            value = negative ? -0.0 : 0.0
        } else {
            value = strtodCopy(p, n)
        }
        guard value.isFinite else { throw .notFinite }
        return value
    }

    @inline(__always)
    private static func accumulate(_ c: UInt8, _ m: inout UInt64, _ sig: inout Int, _ exp: inout Int,
                                   _ truncated: inout Bool, fraction: Bool) {
        let d = UInt64(c &- 48)
        if m == 0 && d == 0 {
            // Leading zeros are not significant.
            if fraction { exp -= 1 }
            return
        }
        if sig < 19 {
            m = m * 10 + d
            sig += 1
            if fraction { exp -= 1 }
        } else {
            if d != 0 { truncated = true }
            if !fraction { exp += 1 }
        }
    }

    private static func isNonFiniteWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n >= 3 else { return false }
        let a = p[0] | 0x20, b = p[1] | 0x20, c = p[2] | 0x20
        return (a == UInt8(ascii: "n") && b == UInt8(ascii: "a") && c == UInt8(ascii: "n"))
            || (a == UInt8(ascii: "i") && b == UInt8(ascii: "n") && c == UInt8(ascii: "f"))
    }

    private static func strtodCopy(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            let base = buf.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: p, byteCount: n)
            base[n] = 0
            return strtod(base, nil)
        }
    }

    /// A decimal integer `[+-]?d+` that fits Int64.
    static func int64(_ p: UnsafePointer<UInt8>, _ n: Int) throws(Failure) -> Int64 {
        guard n > 0 else { throw .syntax }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < n else { throw .syntax }
        // Accumulate negatively so Int64.min parses.
        var v: Int64 = 0
        while i < n {
            let d = p[i] &- 48
            guard d < 10 else { throw .syntax }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(d))
            guard !o1, !o2 else { throw .overflow }
            v = s
            i += 1
        }
        if negative { return v }
        guard v != .min else { throw .overflow }
        return -v
    }

    /// A decimal unsigned integer `d+` that fits UInt64.
    static func uint64(_ p: UnsafePointer<UInt8>, _ n: Int) throws(Failure) -> UInt64 {
        guard n > 0 else { throw .syntax }
        var v: UInt64 = 0
        for i in 0..<n {
            let d = p[i] &- 48
            guard d < 10 else { throw .syntax }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { throw .overflow }
            v = s
        }
        return v
    }
}
