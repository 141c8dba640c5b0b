import Store

/// The body of `PUT /api/orders/{id}/status` and the console's move form.
struct StatusChangeRequest: Decodable, Sendable {
    var status: OrderStatus
    var notes: String?
    var trackingNumber: String?

    enum CodingKeys: String, CodingKey {
        case status, notes
        case trackingNumber = "tracking_number"
    }

    /// The change as a form means it: a blank note or tracking number is none.
    var formChange: StatusChangeRequest {
        var change = self
        change.notes = ConsoleForm.optional(notes)
        change.trackingNumber = ConsoleForm.optional(trackingNumber).map { $0.trimmingCharacters(in: .whitespaces) }
        return change
    }
}
