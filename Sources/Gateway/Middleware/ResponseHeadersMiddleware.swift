import HTTPTypes
import Hummingbird
import ServiceHTTP

/// Headers every response carries: `X-Content-Type-Options: nosniff`, and
/// `Cache-Control: no-store` unless the handler chose a caching policy itself (tokens, accounts
/// and orders must never sit in a shared or browser cache).
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
