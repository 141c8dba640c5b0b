/// The delivery details of an order that may change after it is placed; nil keeps a field,
/// `.some(nil)` clears an optional one.
public struct OrderDetails: Sendable, Equatable {
    public var customerName: String?
    public var customerPhone: String??
    public var shippingAddress: String?
    public var notes: String??

    public init(customerName: String? = nil, customerPhone: String?? = nil, shippingAddress: String? = nil, notes: String?? = nil) {
        self.customerName = customerName
        self.customerPhone = customerPhone
        self.shippingAddress = shippingAddress
        self.notes = notes
    }
}
