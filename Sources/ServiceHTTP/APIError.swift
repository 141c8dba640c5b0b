import Foundation
import HTTPTypes
import Hummingbird

/// An error a handler throws on purpose; rendered as `application/problem+json`.
///
/// Its text is written for the client, so it must never carry store errors or internals.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String?
    public var type: String
    public var errors: [ProblemDetails.FieldError]?
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, _ detail: String? = nil, type: String = "about:blank",
        errors: [ProblemDetails.FieldError]? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.detail = detail
        self.type = type
        self.errors = errors
        self.headers = headers
    }

    public var problem: ProblemDetails {
        ProblemDetails(type: type, title: status.reasonPhrase, status: status.code, detail: detail, errors: errors)
    }

    public func response(from request: Request, context: some RequestContext) -> Response {
        Self.render(problem, status: status, headers: headers)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    public static func render(_ problem: ProblemDetails, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        let body = (try? encoder.encode(problem)) ?? Data("{\"title\":\"Internal Server Error\",\"status\":500}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
