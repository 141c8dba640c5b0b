import Crypto
import Foundation

/// An order as a customer submits it (through the API or the console), before the platform's
/// rules are applied: prices and names are never part of it, they come from the catalog.
public struct OrderInput: Sendable {
    public var customerName: String
    public var customerEmail: String
    public var customerPhone: String?
    public var shippingAddress: String
    public var notes: String?
    /// As sent: a SKU may appear more than once (its lines are merged).
    public var lines: [(sku: String, quantity: Int)]

    public init(
        customerName: String, customerEmail: String, customerPhone: String?, shippingAddress: String, notes: String?,
        lines: [(sku: String, quantity: Int)]
    ) {
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.customerPhone = customerPhone
        self.shippingAddress = shippingAddress
        self.notes = notes
        self.lines = lines
    }

    /// `contact`'s order of `lines`.
    public init(_ contact: OrderContact, lines: [(sku: String, quantity: Int)]) {
        self.init(
            customerName: contact.customerName, customerEmail: contact.customerEmail, customerPhone: contact.customerPhone,
            shippingAddress: contact.shippingAddress, notes: contact.notes, lines: lines)
    }

    /// The order to place for `actor`: every field checked (all problems at once), duplicate
    /// SKUs merged, and, with an idempotency key, the hash that tells a replay from a reuse.
    public func newOrder(for actor: Actor, idempotencyKey key: String?) throws(InvalidInput) -> NewOrder {
        var validator = InputValidator()
        if let key { validator.length(key, "Idempotency-Key", 1...255) }
        validator.length(customerName, "customer_name", 1...100)
        validator.email(customerEmail, "customer_email")
        validator.length(customerPhone, "customer_phone", 0...32)
        validator.length(shippingAddress, "shipping_address", 1...500)
        validator.length(notes, "notes", 0...2000)
        validator.check((1...100).contains(lines.count), "items", "must hold 1 to 100 lines")
        for (index, line) in lines.enumerated() {
            validator.length(line.sku, "items[\(index)].product_sku", 1...64)
            validator.check((1...1000).contains(line.quantity), "items[\(index)].quantity", "must be between 1 and 1000")
        }
        // Every quantity is known to be in range before any arithmetic on them.
        try validator.validate()
        var merged: [String: Int] = [:]
        for line in lines {
            let (sum, overflow) = merged[line.sku, default: 0].addingReportingOverflow(line.quantity)
            merged[line.sku] = overflow ? .max : sum
        }
        for (sku, quantity) in merged.sorted(by: { $0.key < $1.key }) where quantity > 1000 {
            validator.check(false, "items", "\(sku) adds up to \(quantity); at most 1000 per product")
        }
        try validator.validate()
        let sorted = merged.sorted { $0.key < $1.key }.map { (sku: $0.key, quantity: $0.value) }
        return NewOrder(
            userID: actor.id, actorRole: actor.role, customerName: customerName, customerEmail: customerEmail,
            customerPhone: customerPhone, shippingAddress: shippingAddress, notes: notes, lines: sorted,
            idempotencyKey: key, requestHash: key.map { _ in hash(lines: sorted) }
        )
    }

    /// SHA-256 over the order's meaning (merged lines, fields as sent), so a replay is recognised
    /// whatever the JSON's key order or spacing, or the form's. The text hashed: the five fields
    /// (a missing one as NUL) joined by U+001F, then each line as U+001E, its SKU, U+001F and its
    /// quantity in decimal. Orders keep the hash, so these bytes must never change; they are
    /// gathered as bytes (the same ones a joined `String` made, with its copies).
    func hash(lines: [(sku: String, quantity: Int)]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(256)
        for (index, field) in [customerName, customerEmail, customerPhone ?? "\u{0}", shippingAddress, notes ?? "\u{0}"].enumerated() {
            if index > 0 { text.append(0x1F) }
            text.append(contentsOf: field.utf8)
        }
        for line in lines {
            text.append(0x1E)
            text.append(contentsOf: line.sku.utf8)
            text.append(0x1F)
            text.append(contentsOf: String(line.quantity).utf8)
        }
        return Array(SHA256.hash(data: text))
    }
}
