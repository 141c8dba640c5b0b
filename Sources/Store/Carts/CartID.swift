import Foundation

/// Whose cart: one per signed-in session of a user.
public struct CartID: Sendable, Equatable {
    public var userID: UUID
    public var sessionID: String

    public init(userID: UUID, sessionID: String) {
        self.userID = userID
        self.sessionID = sessionID
    }
}
