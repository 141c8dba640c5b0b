import Foundation

/// One row of the delivery ledger: an event owed to one target (a webhook endpoint, or an email
/// recipient), its state and its last attempt.
public struct Delivery: Sendable, Equatable {
    public var id: UUID
    public var kind: JobKind
    public var eventPosition: Int64
    public var eventType: String
    public var orderID: UUID
    /// The endpoint's id, or the recipient's address.
    public var target: String
    public var endpointID: UUID?
    public var state: DeliveryState
    public var attempts: Int
    public var responseStatus: Int?
    public var durationMilliseconds: Int?
    public var lastError: String?
    /// The start of the peer's answer (at most ``Delivery/excerptLimit`` characters).
    public var responseExcerpt: String?
    public var createdAt: Date
    public var attemptedAt: Date?
    public var deliveredAt: Date?

    /// How much of a peer's answer the ledger keeps.
    public static let excerptLimit = 512

    /// The job that delivers it: its id.
    public var member: String { id.lowercasedString }
}
