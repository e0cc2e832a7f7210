/// One broker address parsed from an `amqp://` or `amqps://` URL.
public struct BrokerEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var tls: Bool
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var url: String
        public var reason: String
        public var description: String { "'\(url)' is not a broker URL: \(reason) (example: amqp://broker.example:5672)" }
    }

    /// An endpoint given by parts (no credentials).
    public init(host: String, port: Int, tls: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// A copy with credentials.
    public func with(user: String?, password: String?) -> BrokerEndpoint {
        var e = self
        e.user = user
        e.password = password
        return e
    }

    /// `amqp[s]://[user[:password]@]host[:port][/]`; the vhost comes from `bus.rabbitmq.vhost`.
    public init(parsing url: String) throws(ParseError) {
        let scheme: Substring
        guard let sep = url.firstRange(of: "://") else { throw ParseError(url: url, reason: "missing amqp:// or amqps://") }
        scheme = url[..<sep.lowerBound]
        switch scheme {
        case "amqp": tls = false
        case "amqps": tls = true
        default: throw ParseError(url: url, reason: "scheme '\(scheme)' is neither amqp nor amqps")
        }
        var rest = url[sep.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw ParseError(url: url, reason: "a path is not supported; set bus.rabbitmq.vhost") }
        if let at = rest.lastIndex(of: "@") {
            let cred = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = cred.firstIndex(of: ":") {
                user = String(cred[..<colon])
                password = String(cred[cred.index(after: colon)...])
            } else {
                user = String(cred)
            }
        }
        var portText: Substring? = nil
        if let colon = rest.lastIndex(of: ":") {
            portText = rest[rest.index(after: colon)...]
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw ParseError(url: url, reason: "no host") }
        host = String(rest)
        if let portText {
            guard let p = Int(portText), (1...65_535).contains(p) else { throw ParseError(url: url, reason: "port '\(portText)' is not 1...65535") }
            port = p
        } else {
            port = tls ? 5671 : 5672
        }
    }

    /// host:port with the scheme, never the password.
    public var description: String { "\(tls ? "amqps" : "amqp")://\(host):\(port)" }
}
