import Hummingbird
import ServiceHTTP

/// Refuses a URL carrying a NUL character (`%00`) with 400: Postgres text cannot hold one, so it
/// would otherwise reach the store as an error instead of being the client's mistake.
struct NULCharacterMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.containsEncodedNUL(request.uri.description) {
            throw APIError(.badRequest, "The URL must not contain NUL characters (%00).")
        }
        return try await next(request, context)
    }

    /// Whether `uri` holds `%00`, by its bytes (this runs on every request; a Foundation search costs more).
    static func containsEncodedNUL(_ uri: String) -> Bool {
        var utf8 = uri.utf8[...]
        while let percent = utf8.firstIndex(of: UInt8(ascii: "%")) {
            utf8 = utf8[utf8.index(after: percent)...]
            if utf8.starts(with: "00".utf8) { return true }
        }
        return false
    }
}
