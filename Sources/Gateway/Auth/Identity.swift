import Foundation
import Store

/// The authenticated caller of a request.
struct Identity: Sendable, Equatable {
    var userID: UUID
    var role: Role
    var sessionID: String
}

extension Identity {
    /// The caller as the business operations know them.
    var actor: Actor { Actor(id: userID, role: role) }
}
