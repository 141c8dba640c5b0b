import Foundation
import Store

/// One order as a row of a list (the orders page, the dashboard's recent and waiting orders).
struct OrderListRow: Sendable {
    var id: String
    var reference: String
    var href: String
    var created: String
    var createdMachine: String
    var customer: String
    var email: String
    var items: Int
    /// "1 item", "3 items".
    var itemsLabel: String
    var total: String
    var status: String
    var statusLabel: String

    init(_ order: Order, format: ConsoleFormat) {
        id = order.id.lowercasedString
        reference = ConsoleFormat.reference(order.id)
        href = "/orders/" + id
        created = format.time(order.createdAt)
        createdMachine = format.machine(order.createdAt)
        customer = order.customerName
        email = order.customerEmail
        items = order.itemsCount
        itemsLabel = order.itemsCount == 1 ? "1 item" : "\(order.itemsCount) items"
        total = format.money(order.totalAmount)
        status = order.status.rawValue
        statusLabel = ConsoleFormat.label(order.status)
    }
}
