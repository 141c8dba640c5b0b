import Foundation
import Logging
import Store

/// Who is signed in to the console for this request, as the session cookie and the Redis session
/// say: the account's id and username (which never changes), the role the session carries, and
/// the session (to revoke on sign-out, to bind the CSRF token to). Pages that show more of the
/// account read it with ``account(from:logger:)``.
struct ConsoleUser: Sendable {
    var id: UUID
    var username: String
    var role: Role
    var sessionID: String

    var actor: Actor { Actor(id: id, role: role) }
    /// This session's cart.
    var cart: CartID { CartID(userID: id, sessionID: sessionID) }
    var isStaff: Bool { role.isStaff }
    var isAdmin: Bool { role == .admin }

    /// This user when their role is one of `roles`; else the 403 page.
    @discardableResult
    func require(_ roles: Role...) throws(Forbidden) -> ConsoleUser {
        guard roles.contains(role) else { throw Forbidden() }
        return self
    }

    /// The whole account; a user gone since the session was checked is the API's 404.
    func account(from accounts: AccountOperations, logger: Logger) async throws -> User {
        guard let user = try await accounts.find(id: id, logger: logger) else { throw AccountError(.notFound) }
        return user
    }
}
