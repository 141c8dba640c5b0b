import Foundation

/// What a customer asks for; prices and names come from the catalog, never from here.
public struct NewOrder: Sendable, Equatable {
    public var userID: UUID
    public var actorRole: Role
    public var customerName: String
    public var customerEmail: String
    public var customerPhone: String?
    public var shippingAddress: String
    public var notes: String?
    /// SKU → quantity, duplicates already merged.
    public var lines: [(sku: String, quantity: Int)]
    public var idempotencyKey: String?
    /// SHA-256 of the canonical request, to tell a replay from a reuse with another body.
    public var requestHash: [UInt8]?

    public init(
        userID: UUID, actorRole: Role, customerName: String, customerEmail: String, customerPhone: String?,
        shippingAddress: String, notes: String?, lines: [(sku: String, quantity: Int)],
        idempotencyKey: String? = nil, requestHash: [UInt8]? = nil
    ) {
        self.userID = userID
        self.actorRole = actorRole
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.customerPhone = customerPhone
        self.shippingAddress = shippingAddress
        self.notes = notes
        self.lines = lines
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
    }

    public static func == (lhs: NewOrder, rhs: NewOrder) -> Bool {
        lhs.userID == rhs.userID && lhs.idempotencyKey == rhs.idempotencyKey && lhs.requestHash == rhs.requestHash
            && lhs.lines.map(\.sku) == rhs.lines.map(\.sku) && lhs.lines.map(\.quantity) == rhs.lines.map(\.quantity)
    }
}
