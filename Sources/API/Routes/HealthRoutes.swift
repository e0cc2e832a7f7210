import Host
import Hummingbird

/// `/healthz` (the process answers) and `/readyz` (plugins loaded, storage reachable). Open
/// to everyone: load balancers and systemd checks carry no key.
enum HealthRoutes {
    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        router.get("/healthz") { _, _ in
            jsonResponse(.ok) { w in w.objectStart(); w.key("status"); w.string("ok"); w.objectEnd() }
        }
        router.get("/readyz") { _, _ in
            let storageConnected = api.daemon.storageWriter.map { $0.counters.connected }
            let ready = storageConnected ?? true
            return jsonResponse(ready ? .ok : .serviceUnavailable) { w in
                w.objectStart()
                w.key("status"); w.string(ready ? "ready" : "not ready")
                w.key("storage")
                if let storageConnected { w.string(storageConnected ? "connected" : "unreachable") } else { w.string("none") }
                w.key("series"); w.int(api.daemon.bus.registry.count)
                w.key("summary"); w.string(api.daemon.summary)
                w.objectEnd()
            }
        }
    }
}
