import Hummingbird
import ProcessSupport
import Store

/// A user as the API shows it (never the password hash).
struct UserResponse: Codable, Sendable {
    var id: String
    var username: String
    var email: String
    var role: Role
    var fullName: String?
    var phone: String?
    var address: String?
    var isActive: Bool
    var isVerified: Bool
    var emailNotifications: Bool
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, username, email, role, phone, address
        case fullName = "full_name"
        case isActive = "is_active"
        case isVerified = "is_verified"
        case emailNotifications = "email_notifications"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Optional fields are written as `null`, not left out, so every user has the same shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(username, forKey: .username)
        try container.encode(email, forKey: .email)
        try container.encode(role, forKey: .role)
        try container.encode(fullName, forKey: .fullName)
        try container.encode(phone, forKey: .phone)
        try container.encode(address, forKey: .address)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(isVerified, forKey: .isVerified)
        try container.encode(emailNotifications, forKey: .emailNotifications)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    init(_ user: User, time: DisplayTime) {
        id = user.id.lowercasedString
        username = user.username
        email = user.email
        role = user.role
        fullName = user.fullName
        phone = user.phone
        address = user.address
        isActive = user.isActive
        isVerified = user.isVerified
        emailNotifications = user.emailNotifications
        createdAt = time.string(from: user.createdAt)
        updatedAt = time.string(from: user.updatedAt)
    }
}

extension UserResponse: ResponseEncodable {}
