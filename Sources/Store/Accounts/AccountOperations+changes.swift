import Foundation
import Logging

extension AccountOperations {
    /// What anyone may change on their own account: profile fields (a double optional clears a
    /// field with `.some(nil)`) and, with the current one, the password.
    public struct OwnChanges: Sendable {
        public var fullName: String??
        public var phone: String??
        public var address: String??
        public var currentPassword: String?
        public var newPassword: String?
        /// Status emails on or off (nil: unchanged).
        public var emailNotifications: Bool?

        public init(
            fullName: String?? = nil, phone: String?? = nil, address: String?? = nil, currentPassword: String? = nil,
            newPassword: String? = nil, emailNotifications: Bool? = nil
        ) {
            self.fullName = fullName
            self.phone = phone
            self.address = address
            self.currentPassword = currentPassword
            self.newPassword = newPassword
            self.emailNotifications = emailNotifications
        }
    }

    /// Applies `changes` to the signed-in user's own account. A new password needs the current
    /// one (each guess costs a bcrypt, so it is limited like a sign-in) and ends the user's
    /// other sessions, keeping `sessionID`. The API's `PUT /api/users/me` and the console's
    /// account page both change an account through here.
    public func changeOwn(_ userID: UUID, sessionID: String, _ changes: OwnChanges, logger: Logger) async throws -> User {
        var validator = InputValidator()
        Self.validateProfile(fullName: changes.fullName, phone: changes.phone, address: changes.address, into: &validator)
        if let newPassword = changes.newPassword {
            validator.password(newPassword, "new_password")
            validator.check(changes.currentPassword != nil, "current_password", "is required to change the password")
        }
        try validator.validate()

        var update = UserChanges(fullName: changes.fullName, phone: changes.phone, address: changes.address)
        update.emailNotifications = changes.emailNotifications
        if let newPassword = changes.newPassword, let currentPassword = changes.currentPassword {
            try await limiter.enforce([(limits.passwordGuessesPerUser, userID.lowercasedString)], logger: logger)
            guard let current = try await users.find(id: userID, logger: logger) else { throw AccountError(.notFound) }
            guard try await hasher.verify(currentPassword, against: current.passwordHash) else { throw AccountError(.wrongPassword) }
            update.passwordHash = try await hasher.hash(newPassword)
        }
        guard let updated = try await self.update(userID, update, keepingSession: sessionID, logger: logger) else {
            throw AccountError(.notFound)
        }
        return updated
    }

    /// An admin's change to any account: profile fields, role and the active flag. An admin may
    /// not demote or deactivate themselves, and the last active admin stays one (the store's
    /// rule). A change of role or active flag ends that user's sessions at once.
    public func administer(_ id: UUID, _ changes: UserChanges, by admin: Actor, logger: Logger) async throws -> User {
        try adminsOnly(admin)
        var validator = InputValidator()
        Self.validateProfile(fullName: changes.fullName, phone: changes.phone, address: changes.address, into: &validator)
        try validator.validate()
        if id == admin.id, changes.role.map({ $0 != .admin }) == true || changes.isActive == false {
            throw AccountError(.selfDemotion)
        }
        let safe = UserChanges(
            fullName: changes.fullName, phone: changes.phone, address: changes.address, role: changes.role, isActive: changes.isActive
        )
        guard let updated = try await update(id, safe, logger: logger) else { throw AccountError(.notFound) }
        return updated
    }

    /// Ends every session of `id` (an admin's "sign out everywhere" for that user).
    public func endSessions(of id: UUID, by admin: Actor, logger: Logger) async throws {
        try adminsOnly(admin)
        guard try await users.find(id: id, logger: logger) != nil else { throw AccountError(.notFound) }
        try await sessions.revokeAll(userID: id, logger: logger)
    }

    static func validateProfile(fullName: String??, phone: String??, address: String??, into validator: inout InputValidator) {
        validator.length(fullName ?? nil, "full_name", 0...100)
        validator.length(phone ?? nil, "phone", 0...32)
        validator.length(address ?? nil, "address", 0...500)
    }
}
