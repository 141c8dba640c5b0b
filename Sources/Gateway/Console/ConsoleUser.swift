import Foundation
import Store

/// Who is signed in to the console for this request: their account, the role their session
/// carries, and the session (to revoke on sign-out, to bind the CSRF token to).
struct ConsoleUser: Sendable {
    var user: User
    var role: Role
    var sessionID: String

    var actor: Actor { Actor(id: user.id, role: role) }
    var isStaff: Bool { role.isStaff }
    var isAdmin: Bool { role == .admin }
}
