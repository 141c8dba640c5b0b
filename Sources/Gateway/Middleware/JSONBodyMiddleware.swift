import Foundation
import HTTPTypes
import Hummingbird
import ServiceHTTP

/// Refuses a request body to `/api` that is not declared JSON with 415, before any handler
/// runs: a cross-site HTML form can only send form or text bodies, so no form post ever
/// reaches an API operation (the API also never reads cookies).
struct JSONBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/api/"), Self.hasBody(request), !Self.isJSON(request.headers.value(of: .contentType)) {
            throw APIError(.unsupportedMediaType, "Request bodies must be JSON: send Content-Type: application/json.")
        }
        return try await next(request, context)
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers.value(of: .contentLength) { return length != "0" }
        return request.headers.contains(.transferEncoding)
    }

    /// `application/json` or a `+json` type, any parameters (`; charset=utf-8`), any case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType =
            contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}
