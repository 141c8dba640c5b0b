import HTTPTypes
import Hummingbird
import ServiceHTTP

/// Headers every response carries: `X-Content-Type-Options: nosniff`, and
/// `Cache-Control: no-store` unless the handler chose a caching policy itself (tokens, accounts
/// and orders must never sit in a shared or browser cache).
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers.set(.contentTypeOptions, to: "nosniff")
        if !response.headers.contains(.cacheControl) { response.headers.append(HTTPField(name: .cacheControl, value: "no-store")) }
        return response
    }
}
