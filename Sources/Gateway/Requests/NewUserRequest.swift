import Store

/// The body (or the console's form) that creates an account, by self-registration or by an
/// admin (checked by
/// ``AccountOperations/create(_:logger:)``).
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

    /// The account to create, with `role`.
    func account(role: Role) -> NewAccount {
        NewAccount(username: username, email: email, password: password, role: role, fullName: fullName, phone: phone, address: address)
    }

    /// The account as a form means it: a form sends every field, blank for "none".
    func formAccount(role: Role) -> NewAccount {
        var account = account(role: role)
        account.fullName = ConsoleForm.optional(fullName)
        account.phone = ConsoleForm.optional(phone)
        account.address = ConsoleForm.optional(address)
        return account
    }
}
