// notify-bench: what one alert costs a notifier, end to end over loopback HTTP.
//
//     swift build -c release --product notify-bench --product notifier-slack
//     .build/release/notify-bench [--alerts N] [--runs R]
//
// Drives libnotifier-slack.so (Swift, Block Kit body, NotifierKit's libcurl client) and,
// as the peer, the C notifier-webhook from docs/writing-a-notifier.md (plain C, libcurl,
// a flat JSON body) through their C descriptors, against the same in-process HTTP/1.1
// keep-alive server on 127.0.0.1 that answers 200 at once. Both reuse one connection,
// so the figure is the per-alert cost: message building, the HTTP exchange, the
// response handling. Printed as Markdown rows for BENCHMARKS.md.
import Foundation
import PluginAPI

let repository: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path

struct BenchError: Error, CustomStringConvertible { var description: String }

/// An HTTP/1.1 server answering every request with 200 "ok", keeping connections open.
final class LoopbackServer: @unchecked Sendable {
    let fd: Int32
    let port: Int
    var requests = 0

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { throw BenchError(description: "cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                Thread.detachNewThread { self.serve(client) }
            }
        }
    }

    func serve(_ client: Int32) {
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let reply = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok".utf8)
        while true {
            // One request: headers up to CRLFCRLF, then Content-Length bytes of body.
            var headerEnd: Int? = nil
            var bodyLength = 0
            while true {
                if headerEnd == nil, let end = find(pending, Array("\r\n\r\n".utf8)) {
                    headerEnd = end + 4
                    let head = String(decoding: pending[..<end], as: UTF8.self).lowercased()
                    if let r = head.range(of: "content-length:") {
                        bodyLength = Int(head[r.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if let h = headerEnd, pending.count >= h + bodyLength { break }
                let n = read(client, &chunk, chunk.count)
                if n <= 0 { close(client); return }
                pending += chunk[0..<n]
            }
            pending.removeFirst(headerEnd! + bodyLength)
            requests += 1
            _ = reply.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        }
    }

    func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}

/// A notifier loaded with dlopen and created with `config`.
struct Notifier {
    let descriptor: UnsafePointer<nazar_plugin>
    var instance: UnsafeMutableRawPointer?

    init(path: String, config: String, api: UnsafePointer<nazar_host_api>) throws {
        guard let lib = dlopen(path, RTLD_NOW | RTLD_LOCAL), let sym = dlsym(lib, "nazar_plugin_entry") else {
            throw BenchError(description: "cannot load \(path)")
        }
        descriptor = unsafeBitCast(sym, to: nazar_plugin_entry_fn.self)()!
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 1024)
        var err = nazar_error(struct_size: UInt32(MemoryLayout<nazar_error>.size), message_capacity: 1024, message: buffer, retry_after_ms: 0)
        guard descriptor.pointee.create(api, OpaquePointer(bitPattern: 1), config, &instance, &err) == NAZAR_OK else {
            throw BenchError(description: "create \(path): \(String(cString: buffer))")
        }
    }

    /// Seconds for `alerts` notify() calls; every one must be delivered.
    func run(_ alert: UnsafePointer<nazar_alert>, alerts: Int) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<alerts {
            guard descriptor.pointee.notify(instance, alert, nil) == NAZAR_OK else { throw BenchError(description: "notify failed") }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

var alerts = 20_000
var runs = 5
var args = Array(CommandLine.arguments.dropFirst())
while let flag = args.first {
    args.removeFirst()
    guard let value = args.first.flatMap(Int.init) else { break }
    args.removeFirst()
    if flag == "--alerts" { alerts = value } else if flag == "--runs" { runs = value }
}

do {
    let server = try LoopbackServer()
    let dir = NSTemporaryDirectory() + "nazar-notify-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    // The peer is exactly the document's C code.
    let doc = try String(contentsOfFile: "\(repository)/docs/writing-a-notifier.md", encoding: .utf8)
    guard let start = doc.range(of: "```c notifier-webhook.c\n"), let end = doc.range(of: "\n```", range: start.upperBound..<doc.endIndex) else {
        throw BenchError(description: "no C block in the document")
    }
    try String(doc[start.upperBound..<end.lowerBound]).write(toFile: "\(dir)/notifier-webhook.c", atomically: true, encoding: .utf8)
    let cc = Process()
    cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
    cc.arguments = ["-shared", "-fPIC", "-O2", "-I", "\(repository)/Sources/PluginAPI/include", "-o", "\(dir)/notifier-webhook.so",
                    "\(dir)/notifier-webhook.c", "-lcurl"]
    try cc.run()
    cc.waitUntilExit()
    guard cc.terminationStatus == 0 else { throw BenchError(description: "cc failed") }

    var api = nazar_host_api()
    api.struct_size = UInt32(MemoryLayout<nazar_host_api>.size)
    api.abi_version = UInt32(NAZAR_ABI_VERSION)
    api.log = { _, _, _, _, _ in }
    api.now_ns = { _ in Int64(Date().timeIntervalSince1970 * 1e9) }
    api.hostname = { _ in UnsafePointer(strdup("bench")) }
    let url = "http://127.0.0.1:\(server.port)/services/T1/B2/benchtoken"
    let slack = try Notifier(path: "\(products)/libnotifier-slack.so",
                             config: "{\"webhook_url\":\"\(url)\",\"dashboard_url\":\"https://nazar.example/a?rule={rule}\"}", api: &api)
    let webhook = try Notifier(path: "\(dir)/notifier-webhook.so", config: "{\"url\":\"\(url)\"}", api: &api)

    let labels = [("host", "web1"), ("metric", "cpu.total"), ("cpu", "all")].map { nazar_label(key: strdup($0.0), value: strdup($0.1)) }
    var alert = nazar_alert()
    alert.struct_size = UInt32(MemoryLayout<nazar_alert>.size)
    alert.severity = UInt32(NAZAR_SEVERITY_CRITICAL)
    alert.state = UInt32(NAZAR_ALERT_FIRING)
    alert.label_count = 3
    alert.rule = UnsafePointer(strdup("cpu_high"))
    alert.summary = UnsafePointer(strdup("cpu.total 97.2% > 90% for 5m"))
    alert.value = 97.2
    alert.score = .nan
    alert.starts_at_ns = 1_795_000_000_000_000_000
    alert.fingerprint = 0xabcdef0123456789
    alert.source = UnsafePointer(strdup("detector-threshold"))
    var slackRates: [Double] = []
    var webhookRates: [Double] = []
    try labels.withUnsafeBufferPointer { lp in
        alert.labels = lp.baseAddress
        _ = try slack.run(&alert, alerts: 200)  // warm up: connect, first TLS-free handshake, caches
        _ = try webhook.run(&alert, alerts: 200)
        for _ in 0..<runs {  // interleaved, so both see the same machine load
            slackRates.append(Double(alerts) / (try slack.run(&alert, alerts: alerts)))
            webhookRates.append(Double(alerts) / (try webhook.run(&alert, alerts: alerts)))
        }
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; server saw \(server.requests) requests")
    print("| notifier | alerts per run | runs | median alerts/s | median µs/alert | min alerts/s | max alerts/s |")
    print("|---|---|---|---|---|---|---|")
    for (name, r) in [("notifier-slack (Swift, Block Kit)", slackRates), ("notifier-webhook from docs/ (C, flat JSON) — peer", webhookRates)] {
        print(String(format: "| %@ | %d | %d | %.0f | %.1f | %.0f | %.0f |", name, alerts, runs, median(r), 1e6 / median(r), r.min()!, r.max()!))
    }
    print(String(format: "ratio slack/webhook time per alert: %.2f", median(webhookRates) / median(slackRates)))
} catch {
    print("error: \(error)")
    exit(1)
}
