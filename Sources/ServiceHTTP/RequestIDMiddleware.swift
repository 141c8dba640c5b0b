import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    public static let requestID = Self("X-Request-ID")!
    /// `nosniff` on every response, the deadline's own included.
    public static let contentTypeOptions = Self("X-Content-Type-Options")!
}

/// Gives each request one id, echoed from `X-Request-ID` when the client sent a sane one,
/// set on the response and carried by every log line of the request.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id: String
        if let sent = request.headers.value(of: .requestID).flatMap(Self.sanitized) {
            id = sent
            context.logger[metadataKey: "hb.request.id"] = .string(sent)
        } else {
            // Hummingbird's own id is already the logger's: setting it again copied the
            // logger's handler and its metadata on every request.
            id = context.id
        }
        var response = try await next(request, context)
        response.headers.set(.requestID, to: id)
        return response
    }

    /// Accepts up to 128 visible ASCII characters, so a client cannot inject into headers or logs.
    public static func sanitized(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }
}
