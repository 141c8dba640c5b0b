import Foundation

/// A job that ran out of attempts.
public struct DeadJob: Sendable, Equatable {
    public var member: String
    public var attempts: Int
    public var lastError: String?
    public var diedAt: Date

    /// The order this job was to move.
    public var orderID: UUID? { JobQueue.orderID(member: member) }
}
