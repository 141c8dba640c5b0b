import Hummingbird
import OrderJSON

extension JSONOutput {
    /// What was written, as a whole JSON answer (the headers Hummingbird's `JSONEncoder` sets).
    func response(status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer)
        )
    }
}
