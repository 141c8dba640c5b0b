import Hummingbird
import ServiceHTTP

/// CORS for a configured list of origins: Hummingbird's `CORSMiddleware` answers for origins on
/// the list, and requests from any other origin pass through without CORS headers.
struct AllowedOriginsMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    let cors: CORSMiddleware<Context>

    init(origins: [String]) {
        self.origins = Set(origins)
        self.cors = CORSMiddleware(
            allowOrigin: origins.contains("*") ? .all : .originBased,
            allowHeaders: [.accept, .authorization, .contentType, .origin, .requestID, .init("Idempotency-Key")!],
            allowMethods: [.get, .post, .put, .patch, .delete, .options],
            exposedHeaders: ["X-Request-ID", "Retry-After", "RateLimit", "RateLimit-Policy", "Idempotent-Replayed"],
            maxAge: .seconds(600)
        )
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains("*") || origins.contains(origin) else {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
