/// The optional body of an order's cancel, from the API or the console's cancel form.
struct OrderCancelRequest: Decodable, Sendable {
    var reason: String?
}
