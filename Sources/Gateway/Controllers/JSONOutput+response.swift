import HTTPTypes
import Hummingbird
import OrderJSON

extension JSONOutput {
    /// Room for an answer's fields: these two, the rate limit's five, the edge's three and
    /// Hummingbird's `Date`, so the fields grow once instead of three times.
    static let responseFieldCapacity = 12
    /// `Content-Type` of every JSON answer, made once (a field checks its value when made).
    static let contentTypeField = HTTPField(name: .contentType, value: "application/json; charset=utf-8")

    /// What was written, as a whole JSON answer (the headers Hummingbird's `JSONEncoder` sets).
    func response(status: HTTPResponse.Status = .ok) -> Response {
        let body = buffer
        var headers = HTTPFields()
        headers.reserveCapacity(Self.responseFieldCapacity)
        headers.append(Self.contentTypeField)
        headers.append(HTTPField(name: .contentLength, value: String(body.readableBytes)))
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
