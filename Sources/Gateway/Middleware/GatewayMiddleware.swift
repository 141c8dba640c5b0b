import Hummingbird
import ServiceHTTP

/// The middleware every request passes, outermost first, as one concrete type. Hummingbird keeps
/// a router's middleware as an existential, so a result-builder chain runs as unspecialized
/// generic code, a type-metadata lookup at every level of it; this type's `handle` is compiled
/// here for `AppRequestContext`, and each step in it is a direct call.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let requestID = RequestIDMiddleware<Context>()
    let responseHeaders = ResponseHeadersMiddleware<Context>()
    let metrics = RequestMetricsMiddleware<Context>()
    let allowedOrigins: AllowedOriginsMiddleware<Context>
    let problems: ProblemMiddleware<Context>
    let nulCharacters = NULCharacterMiddleware<Context>()
    let jsonBody = JSONBodyMiddleware<Context>()
    let console: ConsoleMiddleware
    let admission: AdmissionMiddleware
    let consoleSession: ConsoleSessionMiddleware

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await requestID.handle(request, context: context) { request, context in
            try await responseHeaders.handle(request, context: context) { request, context in
                try await metrics.handle(request, context: context) { request, context in
                    try await allowedOrigins.handle(request, context: context) { request, context in
                        try await problems.handle(request, context: context) { request, context in
                            try await nulCharacters.handle(request, context: context) { request, context in
                                try await jsonBody.handle(request, context: context) { request, context in
                                    try await console.handle(request, context: context) { request, context in
                                        try await admission.handle(request, context: context) { request, context in
                                            try await consoleSession.handle(request, context: context, next: next)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
