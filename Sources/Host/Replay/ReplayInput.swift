/// The CSV layouts `nazarctl replay` reads.
public enum ReplayFormat: String, Sendable, CaseIterable {
    /// `timestamp,value` with `YYYY-MM-DD HH:MM:SS` (UTC) timestamps, as NAB's data files.
    case nab
    /// `f0,...,fN,label` feature rows, as the ODDS sets; the label is not shown to the detector.
    case odds
}

/// One input row: its values, or why it could not be read.
public struct ReplayRow: Sendable {
    /// 1-based line number in the file.
    public var line: Int
    /// NAB: the timestamp text as written; ODDS: the row number (0-based) as text.
    public var key: String
    /// NAB: the value text as written; ODDS: the label text.
    public var passthrough: String
    /// ns since the epoch.
    public var timestamp: Int64
    public var values: [Double]
    /// Set when the row is malformed: the reason, for `FILE:LINE: reason`.
    public var problem: String?
}

/// Reads a whole replay CSV into rows. Malformed rows are kept (with `problem` set) so the
/// output stays aligned with the input.
public enum ReplayInput {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// 2020-01-01T00:00:00Z, the first ODDS row's synthetic timestamp.
    static let oddsEpoch: Int64 = 1_577_836_800 * 1_000_000_000

    public static func read(text: String, format: ReplayFormat, step: Int64) throws(Failure) -> (header: [String], rows: [ReplayRow]) {
        // "\r\n" is one Character in Swift, so split on every kind of line end, not on "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw Failure(description: "the file is empty") }
        let header = first.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
        let hasHeader: Bool
        switch format {
        case .nab: hasHeader = header.first?.lowercased() == "timestamp"
        case .odds: hasHeader = Double(header.first ?? "") == nil
        }
        let columns = header.count
        if format == .nab && columns != 2 { throw Failure(description: "line 1: a NAB file has 2 columns (timestamp,value), found \(columns)") }
        if format == .odds && columns < 2 { throw Failure(description: "line 1: an ODDS file has feature columns and a label, found \(columns) column") }
        var rows: [ReplayRow] = []
        rows.reserveCapacity(lines.count)
        var rowNumber = 0
        for (index, line) in lines.enumerated() where !(index == 0 && hasHeader) {
            let lineNumber = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
            switch format {
            case .nab:
                var row = ReplayRow(line: lineNumber, key: fields.first ?? "", passthrough: fields.count > 1 ? fields[1] : "",
                                    timestamp: 0, values: [], problem: nil)
                if fields.count != 2 {
                    row.problem = "expected 2 columns (timestamp,value), found \(fields.count)"
                } else if let ts = parseTimestamp(fields[0]) {
                    row.timestamp = ts
                    if let v = parseNumber(fields[1]) { row.values = [v] } else { row.problem = "value '\(fields[1])' is not a number" }
                } else {
                    row.problem = "timestamp '\(fields[0])' is not YYYY-MM-DD HH:MM:SS"
                }
                rows.append(row)
            case .odds:
                var row = ReplayRow(line: lineNumber, key: String(rowNumber), passthrough: fields.last ?? "",
                                    timestamp: oddsEpoch + Int64(rowNumber) * step, values: [], problem: nil)
                if fields.count != columns {
                    row.problem = "expected \(columns) columns, found \(fields.count)"
                } else {
                    var values: [Double] = []
                    values.reserveCapacity(columns - 1)
                    for (i, f) in fields.dropLast().enumerated() {
                        guard let v = parseNumber(f) else {
                            row.problem = "column \(i + 1) ('\(f)') is not a number"
                            break
                        }
                        values.append(v)
                    }
                    if row.problem == nil { row.values = values }
                }
                rows.append(row)
                rowNumber += 1
            }
        }
        return (header, rows)
    }

    /// A decimal number, or nan/inf spelled as most tools write them.
    static func parseNumber(_ s: String) -> Double? {
        guard !s.isEmpty else { return nil }
        switch s.lowercased() {
        case "nan": return .nan
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return Double(s)
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` (or with 'T'), UTC, to ns since the epoch.
    static func parseTimestamp(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count == 19, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              u[10] == UInt8(ascii: " ") || u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":") else { return nil }
        func num(_ a: Int, _ b: Int) -> Int? {
            var v = 0
            for i in a..<b {
                guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16), let se = num(17, 19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 61 else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = (mo + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return (Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + se)) * 1_000_000_000
    }
}
