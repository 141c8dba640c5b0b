import Hummingbird
import OrderJSON

extension JSONOutput {
    /// What was written, as a whole JSON answer (the headers Hummingbird's `JSONEncoder` sets).
    func response(status: HTTPResponse.Status = .ok) -> Response {
        let body = buffer
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes)],
            body: .init(byteBuffer: body)
        )
    }
}
