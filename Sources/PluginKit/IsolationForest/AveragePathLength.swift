#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// c(n): the average path length of an unsuccessful search in a binary search tree of n
/// points (Liu et al. 2008, eq. 1), used to normalise path lengths and to credit the
/// points left in a leaf. Matches scikit-learn's `_average_path_length`:
/// c(n) = 2(ln(n−1) + γ) − 2(n−1)/n for n > 2, c(2) = 1, c(n ≤ 1) = 0.
public enum AveragePathLength {
    /// Euler–Mascheroni constant γ.
    public static let eulerGamma = 0.577_215_664_901_532_860_6

    public static func c(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n)
        return 2.0 * (log(m - 1.0) + eulerGamma) - 2.0 * (m - 1.0) / m
    }
}
