#if canImport(Glibc)
import Glibc
#endif

/// What an API key may do.
public enum APIScope: String, Sendable, CaseIterable, Hashable {
    /// Push points (`/api/v1/ingest`, `/write`, `/api/v2/write`).
    case ingest
    /// Read series, points, alerts, plugins, metrics.
    case read
    /// Everything, including silences.
    case admin
}

/// One API key as stored: never the key itself, only its SHA-256.
public struct APIKey: Sendable, Equatable {
    /// Short public id (`k` + 12 hex digits), what logs and `keys list` show.
    public var id: String
    /// Who the key is for (`web1-agent`).
    public var name: String
    public var scopes: Set<APIScope>
    /// When set, points this key ingests must carry this `host` label (or get it by default).
    public var host: String?
    /// Points per second this key may ingest; nil means `[http] rate_limit`.
    public var rate: Int?
    /// Lowercase hex SHA-256 of the full key text.
    public var hash: String
    /// Seconds since the epoch.
    public var created: Int64

    public init(id: String, name: String, scopes: Set<APIScope>, host: String?, rate: Int?, hash: String, created: Int64) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.host = host
        self.rate = rate
        self.hash = hash
        self.created = created
    }

    /// True when `name` is usable as a key name or host: letters, digits, `.`, `_`, `-`.
    public static func isValidWord(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100 && name.utf8.allSatisfy {
            $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
                || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
        }
    }

    /// Makes a new key: 32 random bytes from getrandom(2), base32 without padding after
    /// the `nzr_` prefix. Returns the key text (show it once) and the record to store.
    public static func generate(name: String, scopes: Set<APIScope>, host: String?, rate: Int?,
                                now: Int64) throws(APIKeyFileError) -> (secret: String, key: APIKey) {
        let secretBytes = try randomBytes(32)
        let idBytes = try randomBytes(6)
        let secret = "nzr_" + Base32.encode(secretBytes)
        let key = APIKey(id: "k" + Hex.encode(idBytes), name: name, scopes: scopes, host: host, rate: rate,
                         hash: SHA256.hex(Array(secret.utf8)), created: now)
        return (secret, key)
    }

    static func randomBytes(_ count: Int) throws(APIKeyFileError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { systemGetrandom($0.baseAddress! + filled, count - filled, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw APIKeyFileError(path: "getrandom", line: nil, reason: String(cString: strerror(errno)))
            }
            filled += n
        }
        return bytes
    }
}

/// RFC 4648 base32, lowercase, no padding (keys are typed and pasted; no `=` to quote).
public enum Base32 {
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = buffer << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// glibc's getrandom(2) (sys/random.h is not part of the Glibc module map).
@_silgen_name("getrandom")
private func systemGetrandom(_ buffer: UnsafeMutableRawPointer?, _ length: Int, _ flags: UInt32) -> Int
