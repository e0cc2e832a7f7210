import Hummingbird

/// Builds the router: middleware, then each area's routes from its own file, so areas
/// (ingest, read, alerts, metrics, stream, dashboard) can be added without touching each other.
public enum APIRoutes {
    /// The complete router for `api`.
    public static func makeRouter(_ api: APIContext) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: api.metrics))
        router.add(middleware: AuthMiddleware(api: api))
        register(on: router, context: api)
        return router
    }

    /// Every area's routes. Add a line here for a new area file.
    public static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        HealthRoutes.register(on: router, context: api)
        IngestRoutes.register(on: router, context: api)
        ReadRoutes.register(on: router, context: api)
        AlertRoutes.register(on: router, context: api)
        MetricsRoutes.register(on: router, context: api)
        OpenAPIRoutes.register(on: router, context: api)
    }
}
