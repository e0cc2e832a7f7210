import Host
import Hummingbird

/// Times every request and counts it by method, route pattern (not the raw path, so
/// `/api/v1/silences/{id}` is one series) and status.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = monotonicNanoseconds()
        do {
            let response = try await next(request, context)
            record(request, context, status: Int(response.status.code), start: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: Int(status), start: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, start: Int64) {
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        // Router middleware runs for matched routes; the fallback keeps the label bounded
        // should that ever change (scanners must not grow the series count).
        let route = context.endpointPath ?? "unmatched"
        metrics.request(method: request.method.rawValue, route: route, status: status, seconds: seconds)
    }
}
