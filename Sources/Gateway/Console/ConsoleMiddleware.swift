import Hummingbird

/// In front of ``AdmissionMiddleware`` on a console path: a refusal of the admission itself (too
/// many requests, a session that cannot be checked) becomes a page in the console's style with
/// the request id, outside any user's frame since none was admitted. What goes wrong after the
/// admission is shown by ``ConsoleSessionMiddleware``, inside the signed-in frame. Paths of the
/// API (``ConsolePaths``) pass through untouched, to be answered as problem documents.
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
