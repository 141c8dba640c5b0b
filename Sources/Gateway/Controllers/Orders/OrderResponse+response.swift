import Hummingbird
import OrderJSON

/// An order is a whole answer of several routes, written without `JSONEncoder`.
extension OrderResponse: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var out = JSONOutput(capacity: 1536)
        write(to: &out)
        return out.response()
    }
}
