#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers as people read them in alert summaries: up to `significant` significant
/// digits, no trailing zeros, no exponent for everyday magnitudes ("97.2", "0.0031",
/// "1.25e+09"). Without Foundation, via snprintf's %g.
public enum ValueText {
    /// `value` with up to `significant` significant digits; "NaN", "+Inf", "-Inf" for non-finite values.
    public static func format(_ value: Double, significant: Int = 4) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        var buffer = [CChar](repeating: 0, count: 32)
        let digits = Int32(max(1, min(significant, 17)))
        _ = buffer.withUnsafeMutableBufferPointer { b in
            withVaList([digits, value]) { vsnprintf(b.baseAddress, b.count, "%.*g", $0) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A duration in the largest unit that divides it evenly enough: "5m", "90s", "1h30m".
    public static func format(_ duration: Duration) -> String {
        let ns = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        if ns == 0 { return "0s" }
        if ns % 1_000_000_000 != 0 { return "\(format(Double(ns) / 1e9))s" }
        var s = ns / 1_000_000_000
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where s >= size {
            out += "\(s / size)\(unit)"
            s %= size
        }
        return out
    }
}
