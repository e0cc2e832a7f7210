/// Header values for Internet mail (RFC 5322, RFC 2047), safe against header injection.
public enum MailHeader {
    /// `text` on one line (CR, LF and other controls become spaces), at most `limit`
    /// characters, encoded as RFC 2047 UTF-8 words when it is not plain ASCII. Encoded
    /// words are at most 75 bytes and split between whole characters, folded with CRLF SP.
    public static func text(_ text: String, limit: Int = 200) -> String {
        var flat = ""
        for ch in text.unicodeScalars {
            flat.unicodeScalars.append(ch.value < 0x20 || ch.value == 0x7F ? " " : ch)
        }
        if flat.count > limit { flat = String(flat.prefix(limit - 1)) + "…" }
        guard !flat.utf8.allSatisfy({ $0 < 0x80 }) else { return flat }
        // "=?UTF-8?B?" + base64 + "?=" ≤ 75 → base64 ≤ 63 → at most 45 bytes of UTF-8 per word.
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in flat {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A mailbox for From/To: "Display Name <a@b>" with a non-ASCII name encoded, or the
    /// bare address. `address` must be validated by the caller.
    public static func mailbox(_ written: String, address: String) -> String {
        guard let open = written.lastIndex(of: "<") else { return address }
        var name = String(written[..<open]).trimmingSpaces()
        if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty else { return address }
        if name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let quoted = name.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return "\(text(name)) <\(address)>"
    }
}
