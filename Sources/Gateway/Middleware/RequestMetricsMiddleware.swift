import Hummingbird
import Metrics

/// Counts and times every request under the names Hummingbird's `MetricsMiddleware` uses
/// (`hb.requests`, `http.server.request.duration`, `hb.request.errors`,
/// `http.server.active_requests`), but when its response is made, not once its body is written.
/// Hummingbird's wraps every body in a closure to learn that moment, and a closure body is written
/// head first and body after: two socket writes and three hand-overs to the channel per response,
/// where a body of one buffer goes out with its head in one.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.metrics = RequestMetrics(factory: factory)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let active = metrics.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            metrics.record(
                route: context.endpointPath ?? "Unknown", method: request.method, status: response.status,
                elapsed: start.duration(to: .now))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.record(
                route: context.endpointPath ?? "NotFound", method: request.method, status: status, elapsed: start.duration(to: .now))
            throw error
        }
    }
}
