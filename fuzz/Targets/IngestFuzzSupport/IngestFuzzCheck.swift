// Shared by fuzz-json and fuzz-lineproto: a sink that checks what the parsers promise
// about each point, and the checks on the result. Built only by scripts/fuzz.
import IngestFormat

/// Checks every delivered point while it is valid (its memory is the parser's scratch).
public struct CheckingSink: IngestSink {
    public var accepted = 0
    var lastIndex = -1
    let inputLines: Int

    public init(inputLines: Int) { self.inputLines = inputLines }

    public mutating func accept(_ point: ParsedPoint) -> String? {
        if point.index <= lastIndex { fatalError("point index \(point.index) after \(lastIndex)") }
        lastIndex = point.index
        if point.line < 1 || point.line > inputLines { fatalError("point line \(point.line) outside 1...\(inputLines)") }
        // Name and labels are readable NUL-terminated strings (ASan checks the reads).
        _ = strlenOf(point.name)
        for l in point.labels { _ = strlenOf(l.key); _ = strlenOf(l.value) }
        accepted += 1
        // Refuse every third point so the refusal path runs too.
        return accepted % 3 == 0 ? "fuzz: refused on purpose" : nil
    }
}

private func strlenOf(_ p: UnsafePointer<CChar>) -> Int {
    var n = 0
    while p[n] != 0 { n += 1 }
    return n
}

/// The result agrees with what the sink saw, and every refusal names a place in the input.
public func checkResult(_ r: IngestResult, sink: CheckingSink, input: UnsafeRawBufferPointer) {
    let lines = inputLineCount(input)
    if r.accepted + r.refusedCount < r.points && r.fatal == nil {
        fatalError("\(r.points) points seen, \(r.accepted) accepted + \(r.refusedCount) refused")
    }
    if r.accepted > sink.accepted { fatalError("result says \(r.accepted) accepted, the sink accepted \(sink.accepted)") }
    if r.refusals.count > IngestResult.refusalListLimit { fatalError("\(r.refusals.count) refusals kept") }
    for refusal in r.refusals + (r.fatal.map { [$0] } ?? []) {
        if refusal.line < 1 || refusal.line > lines || refusal.column < 1 || refusal.reason.isEmpty {
            fatalError("refusal outside the input (\(lines) lines): \(refusal)")
        }
    }
}

public func inputLineCount(_ input: UnsafeRawBufferPointer) -> Int {
    input.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
}
