/// A partial update of a user: nil leaves a field as it is; `.some(nil)` clears an optional field.
public struct UserChanges: Sendable, Equatable {
    public var fullName: String??
    public var phone: String??
    public var address: String??
    public var role: Role?
    public var isActive: Bool?
    public var passwordHash: String?
    public var emailNotifications: Bool?

    public init(
        fullName: String?? = nil, phone: String?? = nil, address: String?? = nil,
        role: Role? = nil, isActive: Bool? = nil, passwordHash: String? = nil
    ) {
        self.fullName = fullName
        self.phone = phone
        self.address = address
        self.role = role
        self.isActive = isActive
        self.passwordHash = passwordHash
    }
}
