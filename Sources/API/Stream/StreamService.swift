import Host
import ServiceLifecycle

/// Stops the stream hub (its threads, its bus subscription, every client's response) when
/// the server shuts down gracefully. The hub itself starts with the first stream request.
struct StreamService: Service {
    let hub: StreamHub

    func run() async throws {
        try? await gracefulShutdown()
        await Blocking.run { hub.stop() }
    }
}
