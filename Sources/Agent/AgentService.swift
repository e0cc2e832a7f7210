import Host
import ServiceLifecycle

/// Runs the forwarder for as long as the daemon runs: it was started (subscribed) before
/// the daemon's instances, and on graceful shutdown it stops after them (list it before
/// `DaemonService` in the group, which shuts services down in reverse order), so the
/// collectors' last points are buffered too.
public struct AgentService: Service {
    let forwarder: AgentForwarder

    public init(forwarder: AgentForwarder) { self.forwarder = forwarder }

    public func run() async throws {
        try? await gracefulShutdown()
        await Blocking.run { forwarder.stop() }
    }
}
