// iforest-bench: times PluginKit's IsolationForest on one ODDS CSV, single-threaded, in
// the protocol of datasets/bench_sklearn_iforest.py (fit on every row, score every row).
//
//     iforest-bench FILE.csv [--seeds N] [--first-seed K] [--trees T] [--samples S] [--stream splitmix64|scikit-learn] [--scores-out FILE]
//
// Prints one JSON object: rows, features, and per seed the fit seconds, the batch
// scoring seconds over all rows and the one-row-at-a-time scoring seconds (the path
// the detector plugin takes per aligned row). bench/iforest_speed.py runs it next to
// scikit-learn in the same run and prints the ratio table for BENCHMARKS.md.
import Foundation
import PluginKit

struct BenchError: Error, CustomStringConvertible { var description: String }

/// Reads `f0,...,fN,label` rows into float32 features (the label column is dropped).
func readODDS(_ path: String) throws -> (values: [Float], features: Int, rows: Int) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard !lines.isEmpty else { throw BenchError(description: "\(path): empty") }
    let header = lines.removeFirst()
    let columns = header.split(separator: ",").count
    var values: [Float] = []
    values.reserveCapacity(lines.count * (columns - 1))
    for (i, line) in lines.enumerated() {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == columns else { throw BenchError(description: "\(path):\(i + 2): \(fields.count) columns, expected \(columns)") }
        for f in fields.dropLast() {
            guard let v = Double(f.trimmingCharacters(in: .whitespaces)) else {
                throw BenchError(description: "\(path):\(i + 2): '\(f)' is not a number")
            }
            values.append(Float(v))
        }
    }
    return (values, columns - 1, lines.count)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(i...(i + 1)) }
    return arguments[i + 1]
}
let seeds = Int(option("--seeds") ?? "5") ?? 5
let firstSeed = Int(option("--first-seed") ?? "0") ?? 0
let trees = Int(option("--trees") ?? "100") ?? 100
let samples = Int(option("--samples") ?? "256") ?? 256
let scoresOut = option("--scores-out")
let streamName = option("--stream") ?? "splitmix64"
guard let stream = IsolationForest.RandomStream(rawValue: streamName) else {
    FileHandle.standardError.write(Data("iforest-bench: --stream must be splitmix64 or scikit-learn, not '\(streamName)'\n".utf8))
    exit(2)
}
guard let input = arguments.first else {
    FileHandle.standardError.write("usage: iforest-bench FILE.csv [--seeds N] [--first-seed K] [--trees T] [--samples S] [--stream splitmix64|scikit-learn] [--scores-out FILE]\n".data(using: .utf8)!)
    exit(2)
}

do {
    let data = try readODDS(input)
    var fits: [Double] = []
    var batch: [Double] = []
    var single: [Double] = []
    var allScores: [[Double]] = []
    for seed in firstSeed..<(firstSeed + seeds) {
        var forest: IsolationForest?
        fits.append(try seconds {
            forest = try IsolationForest(fitting: data.values, featureCount: data.features,
                                         parameters: .init(trees: trees, samples: samples, seed: UInt64(seed), stream: stream))
        })
        guard let forest else { throw BenchError(description: "no forest") }
        var scores = [Double](repeating: 0, count: data.rows)
        batch.append(try seconds {
            try data.values.withUnsafeBufferPointer { m in
                try scores.withUnsafeMutableBufferPointer { o in try forest.scores(m, into: o) }
            }
        })
        var checksum = 0.0
        single.append(try seconds {
            try data.values.withUnsafeBufferPointer { m in
                for r in 0..<data.rows {
                    checksum += try forest.score(UnsafeBufferPointer(rebasing: m[(r * data.features)..<((r + 1) * data.features)]))
                }
            }
        })
        // Both scorers must agree, or the faster one measures something else.
        let batchSum = scores.reduce(0, +)
        guard abs(batchSum - checksum) <= 1e-6 * Double(data.rows) else {
            throw BenchError(description: "batch and single-row scores differ: \(batchSum) vs \(checksum)")
        }
        allScores.append(scores)
    }
    if let scoresOut {
        var text = ""
        for r in 0..<data.rows { text += allScores.map { String($0[r]) }.joined(separator: ",") + "\n" }
        try text.write(toFile: scoresOut, atomically: true, encoding: .utf8)
    }
    func list(_ xs: [Double]) -> String { "[" + xs.map { String($0) }.joined(separator: ",") + "]" }
    print("{\"rows\":\(data.rows),\"features\":\(data.features),\"fit_s\":\(list(fits)),\"score_s\":\(list(batch)),\"single_row_score_s\":\(list(single))}")
} catch {
    FileHandle.standardError.write("iforest-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
