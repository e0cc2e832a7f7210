import Host
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// Why the HTTP server could not be set up. Every case names the `[http]` setting and the
/// file, so the one line nazard prints before exiting is enough to fix it.
public enum APIServerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A TLS file that cannot be read or does not hold what the setting needs.
    case badFile(setting: String, path: String, reason: String)
    /// The private key is not the one of the certificate's public key.
    case keyMismatch(keyPath: String, certPath: String)
    /// BoringSSL refused the pair for another reason (an unsupported key type, say).
    case tlsContext(certPath: String, keyPath: String, reason: String)

    public var description: String {
        switch self {
        case let .badFile(setting, path, reason):
            return "[http] \(setting) \(path): \(reason)"
        case let .keyMismatch(keyPath, certPath):
            return "[http] tls_key_file \(keyPath) is not the private key of the certificate in tls_cert_file \(certPath)"
        case let .tlsContext(certPath, keyPath, reason):
            return "[http] TLS with tls_cert_file \(certPath) and tls_key_file \(keyPath): \(reason)"
        }
    }
}

/// Builds nazard's HTTP server from `[http]`: a swift-service-lifecycle `Service` that runs
/// next to `DaemonService` and stops with it.
public enum APIServer {
    /// The server as a service, or nil when `listen = ""` turns it off.
    ///
    /// Call it before `daemon.start()`: it throws `APIServerError` when the TLS files
    /// cannot be used, and nazard then exits before any plugin or the store started.
    /// It registers the API keys' re-read as a daemon reload hook (SIGHUP), so do not
    /// call it twice for one daemon. Binding happens when the service runs: if it fails
    /// (port in use), the error is logged as critical and the service returns, so
    /// monitoring goes on without the API rather than stop.
    public static func makeService(daemon: Daemon, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws(APIServerError) -> (any Service)? {
        let settings = daemon.config.http
        guard let listen = settings.listen, let (host, port) = HTTPSettings.splitListen(listen) else { return nil }
        var tls: TLSConfiguration?
        if let cert = settings.tlsCertFile, let key = settings.tlsKeyFile {
            tls = try ServerTLS.load(certPath: cert, keyPath: key)
        }
        let scheme = tls == nil ? "" : " (TLS)"
        let api = APIContext(daemon: daemon, settings: settings, logger: logger)
        // One SIGHUP handler for the whole daemon (DaemonService's): the keys are re-read
        // after the configuration, before READY=1, so `systemctl reload` returning means
        // the new keys apply.
        daemon.addReloadHook { [keys = api.keys] in keys.reload(trigger: "sighup") }
        let router = APIRoutes.makeRouter(api)
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "nazard")
        let running: @Sendable (any Channel) async -> Void = { channel in
            let bound = channel.localAddress?.port ?? port
            logger.notice("HTTP API listening on \(host):\(bound)\(scheme)",
                          metadata: ["nazar_event": "http_listening"])
            await onListening(bound)
        }
        let services: [any Service] = [StreamService(hub: api.stream)]
        if let tls, let cert = settings.tlsCertFile, let key = settings.tlsKeyFile {
            do {
                let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                                      services: services, onServerRunning: running, logger: logger)
                return LoggedFailureService(base: app, listen: listen, logger: logger)
            } catch {
                throw .tlsContext(certPath: cert, keyPath: key, reason: "\(error)")
            }
        }
        let app = Application(router: router, configuration: configuration, services: services, onServerRunning: running,
                              logger: logger)
        return LoggedFailureService(base: app, listen: listen, logger: logger)
    }
}

/// Runs the server; a failure (bind refused, port in use) is logged instead of ending
/// nazard's service group.
struct LoggedFailureService<Base: Service>: Service {
    let base: Base
    let listen: String
    let logger: Logger

    func run() async throws {
        do {
            try await base.run()
        } catch {
            logger.critical("HTTP API on \(listen) is not available: \(error); nazard runs on without it (fix [http] listen and restart)",
                            metadata: ["nazar_event": "http_failed"])
        }
    }
}
