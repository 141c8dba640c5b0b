import HTTPTypes
import Hummingbird
import Logging
import ProcessSupport
import StoreClients

/// Turns every error that reaches the edge into an RFC 9457 response with no internal text.
///
/// Store failures are classified by ``StoreFailure``: a store that cannot answer now is 503, a
/// refused statement is a bug (500). Either is logged here, never returned.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The application's own errors as API errors (nil: not one of them).
    let domain: @Sendable (any Error) -> APIError?

    public init(domain: @escaping @Sendable (any Error) -> APIError? = { _ in nil }) {
        self.domain = domain
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response(from: request, context: context)

        } catch let error as HTTPError {
            return APIError.render(
                ProblemDetails(
                    type: "about:blank", title: error.status.reasonPhrase, status: error.status.code,
                    detail: Self.detail(for: error, request: request, context: context)),
                status: error.status, headers: error.headers.filter { $0.name != .contentType }
            )
        } catch let error as any HTTPResponseError {
            // Framework errors such as a body over the size limit.
            let detail = error.status == .contentTooLarge ? "The request body is larger than \(context.maxUploadSize) bytes." : nil
            return APIError.render(
                ProblemDetails(title: error.status.reasonPhrase, status: error.status.code, detail: error.status.code < 500 ? detail : nil),
                status: error.status
            )
        } catch {
            let answer = domain(error) ?? APIError.unexpected(error, path: request.uri.path, logger: context.logger)
            return answer.response(from: request, context: context)
        }
    }

    /// Client-facing text for Hummingbird's own errors; 5xx never say more than their title.
    private static func detail(for error: HTTPError, request: Request, context: Context) -> String? {
        switch error.status {
        case .notFound: "No resource at \(request.uri.path)."
        case .contentTooLarge: "The request body is larger than \(context.maxUploadSize) bytes."
        case _ where error.status.code >= 500: nil
        default: error.body
        }
    }
}
