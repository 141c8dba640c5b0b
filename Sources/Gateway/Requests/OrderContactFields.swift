import Store

/// The contact fields of a new order, under the same keys in `POST /api/orders`'s JSON and the
/// console's checkout form, decoded by this one type for both.
struct OrderContactFields: Decodable, Sendable {
    var contact: OrderContact

    enum CodingKeys: String, CodingKey {
        case notes
        case customerName = "customer_name"
        case customerEmail = "customer_email"
        case customerPhone = "customer_phone"
        case shippingAddress = "shipping_address"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        contact = OrderContact(
            customerName: try container.decode(String.self, forKey: .customerName),
            customerEmail: try container.decode(String.self, forKey: .customerEmail),
            customerPhone: try container.decodeIfPresent(String.self, forKey: .customerPhone),
            shippingAddress: try container.decode(String.self, forKey: .shippingAddress),
            notes: try container.decodeIfPresent(String.self, forKey: .notes)
        )
    }

    /// The contact as a form means it: a form sends every field, blank for "none".
    var formContact: OrderContact {
        var contact = contact
        contact.customerPhone = ConsoleForm.optional(contact.customerPhone)
        contact.notes = ConsoleForm.optional(contact.notes)
        return contact
    }
}
