/// A bus binding pattern with RabbitMQ topic semantics: words separated by '.', `*`
/// matches exactly one word, `#` matches zero or more words.
///
/// The embedded bus and the RabbitMQ backend must route alike, so this follows the
/// broker: words are compared byte for byte, and an empty topic has zero words.
public struct BindingPattern: Sendable, Hashable, CustomStringConvertible {
    enum Word: Sendable, Hashable {
        case literal([UInt8])
        case one   // *
        case any   // #
    }

    /// The pattern as written.
    public let text: String
    let words: [Word]
    /// Cheap answers for the two most common shapes.
    private let matchesEverything: Bool
    private let isLiteral: Bool

    /// RabbitMQ refuses routing keys and binding keys longer than this.
    public static let maximumLength = 255

    /// Validates and pre-splits `text`.
    public init(_ text: String) throws(BindingPatternError) {
        guard !text.isEmpty else { throw BindingPatternError(pattern: text, reason: "the pattern is empty") }
        guard text.utf8.count <= Self.maximumLength else {
            throw BindingPatternError(pattern: text, reason: "longer than \(Self.maximumLength) bytes")
        }
        var words: [Word] = []
        for (n, part) in text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).enumerated() {
            let position = n + 1
            if part.isEmpty {
                throw BindingPatternError(pattern: text, reason: "word \(position) is empty")
            }
            if part.count == 1, part.first == UInt8(ascii: "*") {
                words.append(.one)
            } else if part.count == 1, part.first == UInt8(ascii: "#") {
                // "#.#" means the same as "#"; one is enough and keeps matching linear.
                if words.last != .any { words.append(.any) }
            } else if part.contains(UInt8(ascii: "*")) || part.contains(UInt8(ascii: "#")) {
                throw BindingPatternError(pattern: text,
                                          reason: "word \(position) '\(String(decoding: part, as: UTF8.self))' mixes a wildcard with other characters; '*' and '#' must be whole words")
            } else {
                words.append(.literal(Array(part)))
            }
        }
        self.text = text
        self.words = words
        matchesEverything = words == [.any]
        isLiteral = words.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// The pattern as written.
    public var description: String { text }

    /// Patterns are equal when written alike ("#.#" and "#" match alike but differ).
    public static func == (lhs: BindingPattern, rhs: BindingPattern) -> Bool { lhs.text == rhs.text }

    /// Hashes the text, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Whether `topic` (words separated by '.') is routed to this binding.
    public func matches(_ topic: String) -> Bool {
        if matchesEverything { return true }
        if isLiteral { return topic.utf8.elementsEqual(text.utf8) }
        var topic = topic
        if let result = topic.utf8.withContiguousStorageIfAvailable({ match(TopicCursor(bytes: $0)) }) {
            return result
        }
        // Only bridged strings lack contiguous UTF-8; copy once and try again.
        topic.makeContiguousUTF8()
        return topic.utf8.withContiguousStorageIfAvailable { match(TopicCursor(bytes: $0)) } ?? false
    }

    /// Whether a topic already split into words matches; for callers that test one topic
    /// against many patterns and split it once.
    public func matches<Words: RandomAccessCollection>(words topicWords: Words) -> Bool where Words.Element == Substring {
        if matchesEverything { return true }
        return match(WordsCursor(words: topicWords))
    }

    /// Glob matching where `#` is the star and `*` the single-character wildcard: after a
    /// mismatch only the most recent `#` needs to take one more word, so this is
    /// O(pattern × topic) in the worst case and allocates nothing.
    private func match<Cursor: TopicWordCursor>(_ start: Cursor) -> Bool {
        var topic = start
        var p = 0
        var backtrackPattern = -1
        var backtrackTopic = start
        while !topic.atEnd {
            if p < words.count {
                switch words[p] {
                case .any:
                    backtrackPattern = p
                    backtrackTopic = topic
                    p += 1
                    continue
                case .one:
                    p += 1
                    topic.advance()
                    continue
                case let .literal(bytes):
                    if topic.currentEquals(bytes) {
                        p += 1
                        topic.advance()
                        continue
                    }
                }
            }
            guard backtrackPattern >= 0 else { return false }
            p = backtrackPattern + 1
            backtrackTopic.advance()
            topic = backtrackTopic
        }
        while p < words.count, words[p] == .any { p += 1 }
        return p == words.count
    }
}

/// Why a binding pattern was refused.
public struct BindingPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The refused pattern.
    public var pattern: String
    /// What is wrong with it, e.g. "word 2 is empty".
    public var reason: String
    /// "'a..b' is not a valid binding pattern: word 2 is empty".
    public var description: String { "'\(pattern)' is not a valid binding pattern: \(reason)" }
}

/// A position in a topic's words; copied to remember a backtracking point.
private protocol TopicWordCursor {
    var atEnd: Bool { get }
    func currentEquals(_ literal: [UInt8]) -> Bool
    mutating func advance()
}

/// Walks the words of a topic in place, over its UTF-8 bytes.
private struct TopicCursor: TopicWordCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var start: Int
    var end: Int
    var atEnd: Bool

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        start = 0
        end = 0
        // As on the broker, an empty topic has no words at all.
        atEnd = bytes.isEmpty
        if !atEnd { end = wordEnd(from: 0) }
    }

    private func wordEnd(from position: Int) -> Int {
        var e = position
        while e < bytes.count, bytes[e] != UInt8(ascii: ".") { e += 1 }
        return e
    }

    func currentEquals(_ literal: [UInt8]) -> Bool {
        guard end - start == literal.count else { return false }
        var k = 0
        while k < literal.count {
            if bytes[start + k] != literal[k] { return false }
            k += 1
        }
        return true
    }

    mutating func advance() {
        if end >= bytes.count {
            atEnd = true
        } else {
            start = end + 1
            end = wordEnd(from: start)
        }
    }
}

private struct WordsCursor<Words: RandomAccessCollection>: TopicWordCursor where Words.Element == Substring {
    let words: Words
    var index: Words.Index

    init(words: Words) {
        self.words = words
        index = words.startIndex
    }

    var atEnd: Bool { index == words.endIndex }

    func currentEquals(_ literal: [UInt8]) -> Bool {
        let word = words[index].utf8
        return word.count == literal.count && word.elementsEqual(literal)
    }

    mutating func advance() { words.formIndex(after: &index) }
}
