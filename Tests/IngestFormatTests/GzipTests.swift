import IngestFormat
import Testing

@Suite struct GzipTests {
    @Test func roundTripAndConcatenatedMembers() throws {
        let a = Array("first member\n".utf8), b = Array(String(repeating: "second ", count: 1000).utf8)
        let ga = try a.withUnsafeBytes { try GzipCodec.compress($0) }
        let gb = try b.withUnsafeBytes { try GzipCodec.compress($0) }
        #expect(ga[0] == 0x1f && ga[1] == 0x8b)
        let both = ga + gb
        let out = try both.withUnsafeBytes { try GzipCodec.decompress($0, limit: 1 << 20) }
        #expect(out == a + b)
    }

    @Test func outputOverTheLimitIsRefusedAsTooLarge() throws {
        let bomb = try [UInt8](repeating: 0, count: 1 << 20).withUnsafeBytes { try GzipCodec.compress($0) }
        #expect(bomb.count < 4096)
        #expect(throws: GzipError.tooLarge(limit: 65_536)) {
            try bomb.withUnsafeBytes { try GzipCodec.decompress($0, limit: 65_536) }
        }
        // Exactly at the limit is fine.
        let exact = try bomb.withUnsafeBytes { try GzipCodec.decompress($0, limit: 1 << 20) }
        #expect(exact.count == 1 << 20)
    }

    @Test func truncatedAndCorruptInputAreErrors() throws {
        let g = try Array("hello hello hello".utf8).withUnsafeBytes { try GzipCodec.compress($0) }
        #expect(throws: GzipError.corrupt("truncated input")) {
            try Array(g.dropLast(6)).withUnsafeBytes { try GzipCodec.decompress($0, limit: 1000) }
        }
        #expect(throws: GzipError.self) {
            try Array("not gzip at all".utf8).withUnsafeBytes { try GzipCodec.decompress($0, limit: 1000) }
        }
    }
}
