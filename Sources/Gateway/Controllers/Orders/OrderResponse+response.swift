import Hummingbird
import OrderJSON

/// An order is a whole answer of several routes.
extension OrderResponse: ResponseEncodable {}
