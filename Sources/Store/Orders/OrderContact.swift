/// Who an order is for and where it goes: the fields a customer types when placing one, through
/// the API or the console's checkout.
public struct OrderContact: Sendable, Equatable {
    public var customerName: String
    public var customerEmail: String
    public var customerPhone: String?
    public var shippingAddress: String
    public var notes: String?

    public init(customerName: String, customerEmail: String, customerPhone: String?, shippingAddress: String, notes: String?) {
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.customerPhone = customerPhone
        self.shippingAddress = shippingAddress
        self.notes = notes
    }
}
