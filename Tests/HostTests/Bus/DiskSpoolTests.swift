import Foundation
import Testing
@testable import Host

/// The outage spool: order kept across segments and restarts, size bound with both
/// policies, damaged tails detected and reported.
@Suite struct DiskSpoolTests {
    func record(_ i: Int, bytes: Int = 100) -> SpoolRecord {
        SpoolRecord(exchange: i % 7 == 0 ? .alerts : .points, routingKey: "metrics.h.m\(i)", pointCount: i % 7 == 0 ? 0 : 10,
                    body: [UInt8](repeating: UInt8(i & 0xff), count: bytes))
    }

    func drain(_ spool: DiskSpool) throws -> [SpoolRecord] {
        var out: [SpoolRecord] = []
        while let (seq, records, corrupt) = try spool.oldest() {
            #expect(corrupt == nil)
            out += records
            try spool.remove(sequence: seq)
        }
        return out
    }

    @Test func replaysInOrderAcrossSegmentsAndRestarts() throws {
        let dir = try TestPaths.makeTemporaryDirectory("spool")
        let written = (1...300).map { record($0) }
        do {
            let spool = try DiskSpool(directory: "\(dir)/s", maxBytes: 1 << 20, policy: .block, segmentBytes: 4096)
            for chunk in stride(from: 0, to: written.count, by: 25) {
                #expect(try spool.append(Array(written[chunk..<chunk + 25])) == .stored)
            }
            #expect(spool.segmentCount > 3, "rotated into several segments")
        }
        // A new process takes the segments over.
        let reopened = try DiskSpool(directory: "\(dir)/s", maxBytes: 1 << 20, policy: .block, segmentBytes: 4096)
        #expect(!reopened.isEmpty)
        #expect(try drain(reopened) == written)
        #expect(reopened.isEmpty && reopened.bytes == 0)
    }

    @Test func dropOldestKeepsTheNewestAndCountsTheLoss() throws {
        let dir = try TestPaths.makeTemporaryDirectory("spool")
        let spool = try DiskSpool(directory: dir, maxBytes: 64 << 10, policy: .dropOldest, segmentBytes: 8 << 10)
        for i in 1...200 { _ = try spool.append([record(i, bytes: 1_000)]) }
        #expect(spool.bytes <= 64 << 10)
        #expect(spool.droppedPoints > 0)
        let kept = try drain(spool)
        #expect(kept.last == record(200, bytes: 1_000), "the newest survive")
        let keptPoints = kept.reduce(0) { $0 + $1.pointCount }
        let allPoints = (1...200).reduce(0) { $0 + ($1 % 7 == 0 ? 0 : 10) }
        #expect(UInt64(allPoints - keptPoints) == spool.droppedPoints, "every dropped point is counted")
    }

    @Test func blockRefusesWithoutWritingWhenFull() throws {
        let dir = try TestPaths.makeTemporaryDirectory("spool")
        let spool = try DiskSpool(directory: dir, maxBytes: 64 << 10, policy: .block, segmentBytes: 8 << 10)
        var stored = 0
        while try spool.append([record(stored + 1, bytes: 1_000)]) == .stored { stored += 1 }
        let before = spool.bytes
        #expect(try spool.append([record(9_999, bytes: 1_000)]) == .full)
        #expect(spool.bytes == before)
        #expect(spool.droppedPoints == 0)
        #expect(try drain(spool).count == stored)
        #expect(try spool.append([record(1)]) == .stored, "room again after replay")
    }

    @Test func tornTailAndBadCRCEndTheSegmentAndAreReported() throws {
        let dir = try TestPaths.makeTemporaryDirectory("spool")
        do {
            let spool = try DiskSpool(directory: dir, maxBytes: 1 << 20, policy: .block)
            _ = try spool.append([record(1), record(2), record(3)])
        }
        let file = "\(dir)/0000000000000001.seg"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        // Flip one byte inside the third record's body, then cut the file mid-record too.
        let third = bytes.count - 50
        bytes[third] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let spool = try DiskSpool(directory: dir, maxBytes: 1 << 20, policy: .block)
        let (_, records, corrupt) = try #require(try spool.oldest())
        #expect(records == [record(1), record(2)])
        #expect(corrupt?.contains("CRC mismatch in record at byte") == true, "\(corrupt ?? "")")
        #expect(spool.corruptRecords == 1)

        try Data(bytes.prefix(bytes.count - 30)).write(to: URL(fileURLWithPath: file))
        let torn = try DiskSpool(directory: dir, maxBytes: 1 << 20, policy: .block)
        let (_, kept, why) = try #require(try torn.oldest())
        #expect(kept == [record(1), record(2)])
        #expect(why?.contains("torn record at byte") == true, "\(why ?? "")")
    }

    @Test func crcIsTheStandardOne() {
        // zlib.crc32(b"123456789") == 0xCBF43926
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
    }
}
