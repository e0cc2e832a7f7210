/// Switches a plugins.d file on or off by editing its top-level `enabled =` line, keeping
/// every comment and the rest of the file as the admin wrote it.
public enum PluginsDEditor {
    /// The file's text with `enabled` set; the line is replaced where it is, or added after
    /// `plugin = …` (or first) when the file has none.
    public static func setEnabled(_ enabled: Bool, in text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let value = "enabled = \(enabled)"
        var pluginLine: Int?
        for (i, line) in lines.enumerated() {
            let t = line.drop { $0 == " " || $0 == "\t" }
            if t.hasPrefix("[") { break }  // top-level keys end at the first table
            if isKey("enabled", t) {
                // Keep a trailing comment on the line.
                let comment = line.firstIndex(of: "#").map { " " + line[$0...] } ?? ""
                lines[i] = value + comment
                return lines.joined(separator: "\n")
            }
            if isKey("plugin", t) { pluginLine = i }
        }
        lines.insert(value, at: (pluginLine ?? -1) + 1)
        return lines.joined(separator: "\n")
    }

    private static func isKey(_ key: String, _ line: Substring) -> Bool {
        guard line.hasPrefix(key) else { return false }
        return line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }.hasPrefix("=")
    }
}
