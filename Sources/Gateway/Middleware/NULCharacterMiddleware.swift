import Foundation
import Hummingbird
import ServiceHTTP

/// Refuses a URL carrying a NUL character (`%00`) with 400: Postgres text cannot hold one, so it
/// would otherwise reach the store as an error instead of being the client's mistake.
struct NULCharacterMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.description.range(of: "%00", options: .caseInsensitive) != nil {
            throw APIError(.badRequest, "The URL must not contain NUL characters (%00).")
        }
        return try await next(request, context)
    }
}
