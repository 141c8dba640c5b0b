import Hummingbird

/// Around every console page: what goes wrong on a console path (a refusal of
/// ``AdmissionMiddleware``'s, a form's, a handler's, a path no route serves) becomes a page in the
/// console's style with the request id. Paths of the API (``ConsolePaths``) pass through untouched,
/// to be answered as problem documents.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let pages: ConsolePages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ConsolePaths.owns(request.uri.path) else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch {
            return pages.failure(error, request: request, context: context)
        }
    }
}
