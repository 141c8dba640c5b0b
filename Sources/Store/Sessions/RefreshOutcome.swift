import Foundation

/// What presenting a refresh token did.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was current: here is its replacement.
    case rotated(userID: UUID, sessionID: String, role: Role, refreshToken: String)
    /// The token was already used: the session is now revoked.
    case reused
    /// No such session (expired, revoked, or a malformed token).
    case invalid
}
