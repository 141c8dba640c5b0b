import Foundation
import Store

/// The authenticated caller of a request.
struct Identity: Sendable, Equatable {
    var userID: UUID
    var role: Role
    var sessionID: String
}
