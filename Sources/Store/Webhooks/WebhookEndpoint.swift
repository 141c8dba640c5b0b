import Foundation

/// Where an admin wants order events sent: a URL, the event types it takes, whether it is active.
public struct WebhookEndpoint: Sendable, Equatable {
    public var id: UUID
    public var url: String
    public var eventTypes: [String]
    public var active: Bool
    public var description: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, url: String, eventTypes: [String], active: Bool, description: String, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.active = active
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The event types an endpoint may ask for: the live stream's, payments' changes included.
    public static let knownEventTypes = OrderEventType.allCases.map(\.rawValue)
}
