import Foundation

/// Where the dashboard's static files are and how they are served: the installed copy
/// (`/usr/share/nazar/dashboard`, from the Debian package), or the source tree's
/// `share/dashboard` found above the running executable (a development build), or
/// `$NAZAR_DASHBOARD_DIR` before both. Chart.js comes from Debian's libjs-chart.js.
///
/// Cold path (a browser loads each file once): Foundation's file reading is fine here.
struct DashboardFiles: Sendable {
    /// The directory holding index.html, nil when none was found.
    let directory: String?
    let chartJS: String

    static let installedDirectory = "/usr/share/nazar/dashboard"
    static let debianChartJS = "/usr/share/javascript/chart.js/chart.min.js"

    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> DashboardFiles {
        var candidates: [String] = []
        if let dir = environment["NAZAR_DASHBOARD_DIR"], !dir.isEmpty { candidates.append(dir) }
        candidates.append(installedDirectory)
        // .build/<triple>/debug/nazard → walk up to the checkout.
        var dir = (Bundle.main.executablePath.map { ($0 as NSString).deletingLastPathComponent }) ?? ""
        while dir.count > 1 {
            candidates.append("\(dir)/share/dashboard")
            dir = (dir as NSString).deletingLastPathComponent
        }
        let found = candidates.first { FileManager.default.fileExists(atPath: "\($0)/index.html") }
        return DashboardFiles(directory: found, chartJS: environment["NAZAR_CHART_JS"] ?? debianChartJS)
    }

    /// The bytes of `relative` (a path inside the dashboard directory), nil when it does
    /// not exist or tries to leave the directory.
    func file(_ relative: String) -> [UInt8]? {
        guard let directory, Self.isSafe(relative) else { return nil }
        return FileManager.default.contents(atPath: "\(directory)/\(relative)").map { [UInt8]($0) }
    }

    /// Chart.js's bytes, nil when libjs-chart.js is not installed.
    func chart() -> [UInt8]? { FileManager.default.contents(atPath: chartJS).map { [UInt8]($0) } }

    /// Only plain relative paths: no `..`, no hidden files, no odd characters.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty, !part.hasPrefix(".") else { return false }
            guard part.utf8.allSatisfy({ c in
                c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
                    || (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A)
            }) else { return false }
        }
        return true
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
