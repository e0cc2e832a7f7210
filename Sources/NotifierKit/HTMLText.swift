/// Escaping for text placed into HTML (e-mail bodies, Telegram's HTML parse mode).
public enum HTMLText {
    /// `text` with &, <, > and " replaced by entities. Safe in element content and in
    /// double-quoted attribute values.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
