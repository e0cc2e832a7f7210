import Host
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Why the HTTP server could not be set up.
public struct APIServerError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Builds nazard's HTTP server from `[http]`: a swift-service-lifecycle `Service` that runs
/// next to `DaemonService` and stops with it.
public enum APIServer {
    /// The server as a service, or nil when `listen = ""` turns it off. Throws when the TLS
    /// files cannot be loaded. Binding happens when the service runs: if it fails (port in
    /// use), the error is logged as critical and the service returns, so monitoring goes on
    /// without the API rather than stop.
    public static func makeService(daemon: Daemon, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws(APIServerError) -> (any Service)? {
        let settings = daemon.config.http
        guard let listen = settings.listen, let (host, port) = HTTPSettings.splitListen(listen) else { return nil }
        let api = APIContext(daemon: daemon, settings: settings, logger: logger)
        let router = APIRoutes.makeRouter(api)
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "nazard")
        let reload = KeyReloadService(keys: api.keys)
        let running: @Sendable (any Channel) async -> Void = { channel in
            let bound = channel.localAddress?.port ?? port
            logger.notice("HTTP API listening on \(host):\(bound)\(settings.tlsCertFile == nil ? "" : " (TLS)")",
                          metadata: ["nazar_event": "http_listening"])
            await onListening(bound)
        }
        if let cert = settings.tlsCertFile, let key = settings.tlsKeyFile {
            let tls: TLSConfiguration
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(cert)
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) },
                                                               privateKey: .privateKey(privateKey))
            } catch {
                throw APIServerError(message: "[http] TLS: cannot load \(cert) / \(key): \(error)")
            }
            do {
                let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                                      services: [reload], onServerRunning: running, logger: logger)
                return LoggedFailureService(base: app, listen: listen, logger: logger)
            } catch {
                throw APIServerError(message: "[http] TLS: \(error)")
            }
        }
        let app = Application(router: router, configuration: configuration, services: [reload], onServerRunning: running,
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

/// Re-reads the API keys file on SIGHUP (the daemon reloads its configuration on the same signal).
struct KeyReloadService: Service {
    let keys: APIKeyRing

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { keys.reload() }
        }
    }
}
