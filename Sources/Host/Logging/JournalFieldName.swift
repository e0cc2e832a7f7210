/// Turns arbitrary metadata keys into names journald accepts as user fields.
///
/// journald keeps a field only if its name is 1–64 characters of `[A-Z0-9_]` and does not start
/// with a digit or `_` (leading `_` is reserved for trusted fields it adds itself); anything else
/// is silently dropped. Sanitising here keeps every key we log, under a predictable name:
/// `nazar_plugin` → `NAZAR_PLUGIN`, `http.status` → `HTTP_STATUS`, `1st` → `NAZAR_1ST`.
public enum JournalFieldName {
    /// The longest field name journald accepts.
    public static let maximumLength = 64

    /// Prefix given to names that would otherwise start with a digit or `_`.
    public static let safePrefix = "NAZAR_"

    /// Returns a valid journal field name for `key`.
    ///
    /// Rules, in order: ASCII letters are upper-cased; every other character outside
    /// `[A-Z0-9_]` becomes `_`; a name starting with a digit or `_` gets ``safePrefix``; the result
    /// is cut to ``maximumLength``. An empty key becomes `NAZAR_UNNAMED`. Pure function.
    public static func sanitize(_ key: String) -> String {
        guard !key.isEmpty else { return safePrefix + "UNNAMED" }
        var name = ""
        name.unicodeScalars.reserveCapacity(key.unicodeScalars.count + safePrefix.count)
        for scalar in key.unicodeScalars {
            switch scalar {
            case "A"..."Z", "0"..."9", "_":
                name.unicodeScalars.append(scalar)
            case "a"..."z":
                name.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x20) ?? "_")
            default:
                name.unicodeScalars.append("_")
            }
        }
        if let first = name.unicodeScalars.first, first == "_" || ("0"..."9").contains(first) {
            name = safePrefix + name
        }
        // Only ASCII remains, so scalars and characters count the same.
        return String(name.unicodeScalars.prefix(maximumLength))
    }
}
