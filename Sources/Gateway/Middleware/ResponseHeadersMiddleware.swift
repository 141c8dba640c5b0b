import HTTPTypes
import Hummingbird
import ServiceHTTP

/// Headers every response carries: `X-Content-Type-Options: nosniff`, and
/// `Cache-Control: no-store` unless the handler chose a caching policy itself (tokens, accounts
/// and orders must never sit in a shared or browser cache).
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let caching = response.headers.contains(.cacheControl)
        if response.headers.contains(.contentTypeOptions) {
            response.headers[.contentTypeOptions] = "nosniff"
        } else {
            response.headers.append(nosniffField)
        }
        if !caching { response.headers.append(noStoreField) }
        return response
    }
}

/// The fields, made once (a field checks its value when made); a generic type has no stored
/// static properties.
private let nosniffField = HTTPField(name: .contentTypeOptions, value: "nosniff")
private let noStoreField = HTTPField(name: .cacheControl, value: "no-store")
