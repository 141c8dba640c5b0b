import Store

/// The body of `PUT /api/orders/{id}` and the console's details form: absent keeps a field,
/// `null` (or, in a form, a blank) clears phone or notes.
struct OrderDetailsRequest: Decodable, Sendable {
    var details: OrderDetails

    /// The contact fields' keys: the details are those fields, less the email.
    typealias CodingKeys = OrderContactFields.CodingKeys

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        details = OrderDetails(
            customerName: try container.decodeIfPresent(String.self, forKey: .customerName),
            customerPhone: try container.decodeNullable(String.self, forKey: .customerPhone),
            shippingAddress: try container.decodeIfPresent(String.self, forKey: .shippingAddress),
            notes: try container.decodeNullable(String.self, forKey: .notes)
        )
    }

    /// The details as a form means them: a form has no `null`, so a blank phone or note clears it.
    var formDetails: OrderDetails {
        var details = details
        if let phone = details.customerPhone { details.customerPhone = .some(ConsoleForm.optional(phone)) }
        if let notes = details.notes { details.notes = .some(ConsoleForm.optional(notes)) }
        return details
    }
}
