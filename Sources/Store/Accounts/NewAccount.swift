/// An account to create, by self-registration, an admin or the CLI; checked by
/// ``AccountOperations/create(_:logger:)`` before anything is stored.
public struct NewAccount: Sendable {
    public var username: String
    public var email: String
    public var password: String
    public var role: Role
    public var fullName: String?
    public var phone: String?
    public var address: String?

    public init(
        username: String, email: String, password: String, role: Role, fullName: String? = nil, phone: String? = nil,
        address: String? = nil
    ) {
        self.username = username
        self.email = email
        self.password = password
        self.role = role
        self.fullName = fullName
        self.phone = phone
        self.address = address
    }

    /// Every field checked, all problems at once.
    public func validate() throws(InvalidInput) {
        var validator = InputValidator()
        validator.username(username)
        validator.email(email)
        validator.password(password)
        AccountOperations.validateProfile(fullName: fullName, phone: phone, address: address, into: &validator)
        try validator.validate()
    }
}
