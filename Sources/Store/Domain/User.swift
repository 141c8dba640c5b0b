import Foundation

/// A user row. `passwordHash` never leaves the gateway.
public struct User: Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var email: String
    public var passwordHash: String
    public var role: Role
    public var fullName: String?
    public var phone: String?
    public var address: String?
    public var isActive: Bool
    public var isVerified: Bool
    /// Whether the customer wants the processing, shipped and delivered emails (the created and
    /// cancelled ones are always sent).
    public var emailNotifications: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, username: String, email: String, passwordHash: String, role: Role,
        fullName: String? = nil, phone: String? = nil, address: String? = nil,
        isActive: Bool = true, isVerified: Bool = false, emailNotifications: Bool = true, createdAt: Date = Date(),
        updatedAt: Date = Date()
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.fullName = fullName
        self.phone = phone
        self.address = address
        self.isActive = isActive
        self.isVerified = isVerified
        self.emailNotifications = emailNotifications
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
