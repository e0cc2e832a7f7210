import Foundation
import Host
import Testing

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST test vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        // 55 and 56 bytes: the padding boundary.
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
    ])
    func vectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }
}

@Suite struct APIKeyFileTests {
    @Test func generatedKeysHaveThePrefixAndStoreOnlyTheHash() throws {
        let (secret, key) = try APIKey.generate(name: "web1-agent", scopes: [.ingest], host: "web1", rate: 100_000, now: 1)
        #expect(secret.hasPrefix("nzr_"))
        #expect(secret.count == 4 + 52)  // 32 bytes in unpadded base32
        #expect(key.hash == SHA256.hex(Array(secret.utf8)))
        let (other, _) = try APIKey.generate(name: "x", scopes: [.read], host: nil, rate: nil, now: 1)
        #expect(other != secret)
        #expect(!APIKeyFile.format([key]).contains(secret))
    }

    @Test func writeIsAtomicMode0600AndReadsBack() throws {
        let dir = try TestPaths.makeTemporaryDirectory("keys")
        let path = "\(dir)/api-keys"
        let (_, a) = try APIKey.generate(name: "a", scopes: [.ingest, .read], host: "web1", rate: 10, now: 5)
        let (_, b) = try APIKey.generate(name: "b", scopes: [.admin], host: nil, rate: nil, now: 6)
        try APIKeyFile.write(path: path, keys: [a, b])
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(try APIKeyFile.read(path: path) == [a, b])
        #expect(try APIKeyFile.read(path: "\(dir)/missing") == [])
        #expect(!FileManager.default.fileExists(atPath: "\(path).tmp.\(getpid())"))
    }

    @Test(arguments: [
        ("kabc\tn\tingest\t-\t-\t\(String(repeating: "0", count: 64))", "expected 7 tab-separated fields, found 6"),
        ("xabc\tn\tingest\t-\t-\t\(String(repeating: "0", count: 64))\t1", "id 'xabc' is not k followed by hex digits"),
        ("kabc\tn m\tingest\t-\t-\t\(String(repeating: "0", count: 64))\t1", "name 'n m': use letters, digits, '.', '_' and '-'"),
        ("kabc\tn\twrite\t-\t-\t\(String(repeating: "0", count: 64))\t1", "scope 'write' is not one of ingest, read, admin"),
        ("kabc\tn\tingest\t-\t0\t\(String(repeating: "0", count: 64))\t1", "rate '0' is not a positive integer"),
        ("kabc\tn\tingest\t-\t-\tABC\t1", "sha256 is not 64 lowercase hex digits"),
        ("kabc\tn\tingest\t-\t-\t\(String(repeating: "0", count: 64))\tyesterday", "created 'yesterday' is not an integer"),
    ])
    func malformedLinesNameTheLine(line: String, reason: String) {
        let text = "# comment\n\n\(line)\n"
        #expect(throws: APIKeyFileError(path: "keys", line: 3, reason: reason)) { try APIKeyFile.parse(text, path: "keys") }
    }

    @Test func duplicateIdsAreRefused() {
        let line = "kabc\tn\tingest\t-\t-\t\(String(repeating: "0", count: 64))\t1"
        #expect(throws: APIKeyFileError(path: "keys", line: 2, reason: "id kabc appears twice")) {
            try APIKeyFile.parse("\(line)\n\(line)\n", path: "keys")
        }
    }
}
