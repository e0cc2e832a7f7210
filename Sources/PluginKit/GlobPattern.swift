/// A shell-style pattern for metric names and label values: `*` matches any run of
/// characters (dots included), `?` exactly one, everything else itself. A pattern
/// without wildcards is an exact match. Matching works on UTF-8 bytes and allocates
/// nothing, but detectors still match once per new series, not per point.
public struct GlobPattern: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the config.
    public let text: String
    let bytes: [UInt8]
    /// True when the pattern has no wildcard (matching is plain string equality).
    public let isLiteral: Bool

    /// A pattern from its text; every text is a valid pattern.
    public init(_ text: String) {
        self.text = text
        bytes = Array(text.utf8)
        isLiteral = !bytes.contains(UInt8(ascii: "*")) && !bytes.contains(UInt8(ascii: "?"))
    }

    public var description: String { text }

    /// Whether the whole of `candidate` matches (not a substring search).
    public func matches(_ candidate: String) -> Bool {
        if isLiteral { return candidate == text }
        var candidate = candidate
        return candidate.withUTF8 { Self.match(bytes[...], $0) }
    }

    /// Iterative wildcard matching with single-star backtracking: linear for one `*`,
    /// O(n·m) worst case, no recursion.
    static func match(_ pattern: ArraySlice<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), any = UInt8(ascii: "?")
        var p = pattern.startIndex, t = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.endIndex, pattern[p] == any || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.endIndex, pattern[p] == star {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == star { p += 1 }
        return p == pattern.endIndex
    }
}
