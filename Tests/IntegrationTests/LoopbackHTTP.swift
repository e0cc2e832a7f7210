import Foundation

/// A minimal HTTP/1.1 client over a loopback TCP socket, enough to drive nazard's API
/// from tests without URLSession (whose streaming on Linux cannot read an endless
/// Server-Sent Events response piece by piece).
final class LoopbackHTTP {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw TestFailure("connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Sends a request (`Connection: close` unless streaming).
    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TestFailure("write: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads what arrives within `timeout`; nil at end of stream.
    func read(timeout: Duration) -> [UInt8]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&p, 1, ms) > 0 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(chunk[..<n]) : nil
    }

    /// Reads the status line and headers; the rest of what was read stays buffered.
    func readHead(timeout: Duration = .seconds(10)) throws -> (status: Int, headers: [String: String]) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let end = findHeaderEnd() {
                let text = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                let lines = text.components(separatedBy: "\r\n")
                let status = Int(lines[0].split(separator: " ")[1]) ?? 0
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return (status, headers)
            }
            guard let more = read(timeout: .milliseconds(200)) else { throw TestFailure("connection closed before the headers") }
            buffer += more
        }
        throw TestFailure("no response head within \(timeout)")
    }

    private func findHeaderEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// Body bytes of a chunked response as they arrive (chunk framing removed), for the
    /// event stream; nil at end of stream.
    func nextChunkedBytes(timeout: Duration) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        var out: [UInt8] = []
        while true {
            // Take every complete chunk already buffered.
            while let lineEnd = crlf(from: 0) {
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText, radix: 16) else { return nil }
                if size == 0 { return out.isEmpty ? nil : out }
                guard buffer.count >= lineEnd + 2 + size + 2 else { break }
                out += buffer[(lineEnd + 2)..<(lineEnd + 2 + size)]
                buffer.removeFirst(lineEnd + 2 + size + 2)
            }
            if !out.isEmpty || ContinuousClock.now >= deadline { return out }
            guard let more = read(timeout: .milliseconds(100)) else { return out.isEmpty ? nil : out }
            buffer += more
        }
    }

    private func crlf(from start: Int) -> Int? {
        guard buffer.count >= start + 2 else { return nil }
        for i in start...(buffer.count - 2) where buffer[i] == 13 && buffer[i + 1] == 10 { return i }
        return nil
    }

    /// Reads a whole `Connection: close` response.
    func readAll(timeout: Duration = .seconds(10)) throws -> (status: Int, body: String) {
        let head = try readHead(timeout: timeout)
        var body = buffer
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, let more = read(timeout: .milliseconds(200)) { body += more }
        if head.headers["transfer-encoding"] == "chunked" {
            buffer = body
            body = []
            while let part = nextChunkedBytes(timeout: .milliseconds(10)), !part.isEmpty { body += part }
        }
        return (head.status, String(decoding: body, as: UTF8.self))
    }

    /// One request on a fresh connection.
    static func request(port: Int, _ path: String, method: String = "GET", headers: [String: String] = [:],
                        body: String = "") throws -> (status: Int, body: String) {
        let c = try LoopbackHTTP(port: port)
        try c.send(method, path, headers: headers.merging(["Connection": "close"]) { a, _ in a }, body: Array(body.utf8))
        return try c.readAll()
    }

    /// Waits until the server answers /healthz.
    static func waitForServer(port: Int, timeout: Duration = .seconds(20)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let r = try? request(port: port, "/healthz"), r.status == 200 { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}
