import Hummingbird
import HTTPTypes
import Logging
import PostgresNIO
import Store

/// Turns every error that reaches the edge into an RFC 9457 response with no internal text.
///
/// Store failures become 503 (a store is down) and are logged in full here, never returned.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response(from: request, context: context)
        } catch let error as HTTPError {
            return APIError.render(
                ProblemDetails(type: "about:blank", title: error.status.reasonPhrase, status: error.status.code, detail: Self.detail(for: error, request: request, context: context)),
                status: error.status, headers: error.headers.filter { $0.name != .contentType }
            )
        } catch let error as any HTTPResponseError {
            // Framework errors such as a body over the size limit.
            let detail = error.status == .contentTooLarge ? "The request body is larger than \(context.maxUploadSize) bytes." : nil
            return APIError.render(
                ProblemDetails(title: error.status.reasonPhrase, status: error.status.code, detail: error.status.code < 500 ? detail : nil),
                status: error.status
            )
        } catch let error as RedisError {
            return storeUnavailable(error, context: context)
        } catch let error as PSQLError {
            return storeUnavailable(error, context: context)
        } catch let error as PostgresError {
            return storeUnavailable(error, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return APIError(.internalServerError, "The server could not complete the request.").response(from: request, context: context)
        }
    }

    private func storeUnavailable(_ error: any Error, context: Context) -> Response {
        context.logger.error("store error", metadata: ["error": "\(String(reflecting: error))"])
        return APIError.render(
            ProblemDetails(type: "about:blank", title: "Service Unavailable", status: 503, detail: "A data store is unavailable; try again shortly."),
            status: .serviceUnavailable, headers: [.retryAfter: "1"]
        )
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
