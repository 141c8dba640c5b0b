import HTTPTypes
import Hummingbird
import Logging
import ProcessSupport

/// Answers every request within `timeout` (and the ``DeadlineWheel``'s tick): when the router has not produced a response by then
/// (a store that neither answers nor fails, a pool waiting for a connection that never comes),
/// the client gets 503 problem+json with `Retry-After` and the work is cancelled.
///
/// It wraps the whole router, outside its middleware, because a middleware cannot let go of the
/// handler it calls. A streamed body (the CSV export) is not bounded: the deadline covers the
/// response's start. A POST answered this way may still commit; clients retry with their
/// `Idempotency-Key`, as after any 503.
public struct DeadlineResponder<Base: HTTPResponder>: HTTPResponder where Base.Context: RequestContext {
    public typealias Context = Base.Context
    let base: Base
    let timeout: Duration

    public init(base: Base, timeout: Duration) {
        self.base = base
        self.timeout = timeout
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        do {
            // The router runs on the loop the request arrived on as its task executor: its calls
            // stay there instead of each being enqueued on the loop again (EventLoopTaskExecutor).
            return try await DeadlineWheel.requests.race(timeout, executor: EventLoopTaskExecutor.current) { [base] in
                try await base.respond(to: request, context: context)
            }
        } catch let error as DeadlineExceeded {
            // The router's request-id middleware did not get to answer: pick the same id it would.
            let id = request.headers[.requestID].flatMap(RequestIDMiddleware<Context>.sanitized) ?? context.id
            context.logger.warning(
                "request deadline exceeded",
                metadata: ["hb.request.id": "\(id)", "http.path": "\(request.uri.path)", "error.after": "\(error.after)"]
            )
            var response = APIError.render(
                ProblemDetails(
                    title: "Service Unavailable", status: 503, detail: "The request did not complete in time; try again shortly."),
                status: .serviceUnavailable, headers: [.retryAfter: "1", .cacheControl: "no-store"]
            )
            response.headers[.requestID] = id
            response.headers[.contentTypeOptions] = "nosniff"
            return response
        }
    }
}
