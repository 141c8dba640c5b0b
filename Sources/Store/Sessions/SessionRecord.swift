import Foundation

/// A login session as stored in Redis (never its refresh token, only that token's hash).
public struct SessionRecord: Sendable, Equatable {
    public var id: String
    public var userID: UUID
    public var role: Role
    public var createdAt: Date
    public var lastSeenAt: Date
    public var userAgent: String?
    public var ip: String?
}
