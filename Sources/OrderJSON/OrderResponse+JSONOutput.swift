import Foundation
import Store

/// An order written by ``JSONOutput``: the same members and values as its `Encodable` form,
/// in the order the contract lists them.
extension OrderResponse {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.key("id")
        out.uuid(order.id)
        out.key("user_id")
        out.uuid(order.userID)
        out.key("customer_name")
        out.string(order.customerName)
        out.key("customer_email")
        out.string(order.customerEmail)
        out.key("customer_phone")
        out.string(order.customerPhone)
        out.key("shipping_address")
        out.string(order.shippingAddress)
        out.key("notes")
        out.string(order.notes)
        out.key("status")
        out.string(order.status.rawValue)
        out.key("total_amount")
        out.money(order.totalAmount)
        out.key("currency")
        out.string(order.currency)
        out.key("tracking_number")
        out.string(order.trackingNumber)
        out.key("items")
        out.beginArray()
        for item in order.items { Self.write(item, to: &out) }
        out.endArray()
        out.key("items_count")
        out.int(order.itemsCount)
        out.key("created_at")
        out.time(order.createdAt, time)
        out.key("updated_at")
        out.time(order.updatedAt, time)
        out.key("auto_process_at")
        out.time(order.autoProcessAt, time)
        out.key("cancellable_until")
        out.time(order.cancellableUntil, time)
        out.key("payment_status")
        out.string((payment?.payment.status ?? .unpaid).rawValue)
        out.key("payment")
        if let payment { payment.write(to: &out) } else { out.null() }
        out.endObject()
    }

    static func write(_ item: OrderItem, to out: inout JSONOutput) {
        out.beginObject()
        out.key("id")
        out.uuid(item.id)
        out.key("product_id")
        out.uuid(item.productID)
        out.key("product_sku")
        out.string(item.productSKU)
        out.key("product_name")
        out.string(item.productName)
        out.key("product_description")
        out.string(item.productDescription)
        out.key("quantity")
        out.int(item.quantity)
        out.key("unit_price")
        out.money(item.unitPrice)
        out.key("total_price")
        out.money(item.totalPrice)
        out.endObject()
    }
}
