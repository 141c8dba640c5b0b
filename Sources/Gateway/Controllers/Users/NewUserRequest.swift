import Store

/// The body that creates an account, by self-registration or by an admin.
struct NewUserRequest: Decodable, Sendable {
    var username: String
    var email: String
    var password: String
    /// Only admins may ask for a role other than `customer`.
    var role: String?
    var fullName: String?
    var phone: String?
    var address: String?

    enum CodingKeys: String, CodingKey {
        case username, email, password, role, phone, address
        case fullName = "full_name"
    }

    /// Checks every field, then returns the account to create with `role`.
    func account(role: Role) throws -> AccountService.NewAccount {
        var validator = InputValidator()
        validator.username(username)
        validator.email(email)
        validator.password(password)
        AccountService.validateProfile(fullName: fullName, phone: phone, address: address, into: &validator)
        try validator.validate()
        return .init(username: username, email: email, password: password, role: role, fullName: fullName, phone: phone, address: address)
    }
}
