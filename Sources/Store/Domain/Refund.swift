import Foundation

/// A refund staff asked for, and what the provider made of it.
public struct Refund: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Asked for; its amount is held until the provider answers.
        case pending
        case succeeded
        /// The provider refused it; its amount is refundable again.
        case failed
    }

    public var id: UUID
    public var orderID: UUID
    public var amount: Decimal
    public var reason: String?
    public var status: Status
    public var providerRefundID: String?
    public var lastError: String?
    public var createdBy: UUID?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, orderID: UUID, amount: Decimal, reason: String?, status: Status, providerRefundID: String?, lastError: String?,
        createdBy: UUID?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.orderID = orderID
        self.amount = amount
        self.reason = reason
        self.status = status
        self.providerRefundID = providerRefundID
        self.lastError = lastError
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
