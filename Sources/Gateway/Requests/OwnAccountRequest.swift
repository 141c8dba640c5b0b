import Store

/// The body of `PUT /api/users/me` and the console's profile and password forms: profile fields
/// anyone may change on their own account (absent keeps, `null` clears), status emails on or off,
/// plus a password change.
struct OwnAccountRequest: Decodable, Sendable {
    var changes: AccountOperations.OwnChanges

    enum CodingKeys: String, CodingKey {
        case phone, address
        case fullName = "full_name"
        case currentPassword = "current_password"
        case newPassword = "new_password"
        case emailNotifications = "email_notifications"
        case emailNotificationsShown = "email_notifications_shown"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        changes = AccountOperations.OwnChanges(
            fullName: try container.decodeNullable(String.self, forKey: .fullName),
            phone: try container.decodeNullable(String.self, forKey: .phone),
            address: try container.decodeNullable(String.self, forKey: .address),
            currentPassword: try container.decodeIfPresent(String.self, forKey: .currentPassword),
            newPassword: try container.decodeIfPresent(String.self, forKey: .newPassword)
        )
        // The API sends a boolean; the console's profile form a checkbox ("on" or absent) beside
        // a hidden marker, so an unchecked box still means "off" there.
        if let flag = try? container.decodeIfPresent(Bool.self, forKey: .emailNotifications) {
            changes.emailNotifications = flag
        } else if try container.decodeIfPresent(String.self, forKey: .emailNotificationsShown) != nil {
            changes.emailNotifications = (try? container.decodeIfPresent(String.self, forKey: .emailNotifications)) == "on"
        } else if container.contains(.emailNotifications), try !container.decodeNil(forKey: .emailNotifications) {
            throw DecodingError.typeMismatch(
                Bool.self, .init(codingPath: [CodingKeys.emailNotifications], debugDescription: "email_notifications must be true or false")
            )
        }
    }

    /// The changes as a form means them: a form has no `null`, so a blank field clears it.
    var formChanges: AccountOperations.OwnChanges {
        var changes = changes
        if let fullName = changes.fullName { changes.fullName = .some(ConsoleForm.optional(fullName)) }
        if let phone = changes.phone { changes.phone = .some(ConsoleForm.optional(phone)) }
        if let address = changes.address { changes.address = .some(ConsoleForm.optional(address)) }
        return changes
    }
}
