import Foundation

/// A job a worker holds: which order, the fencing token that proves ownership, and when it was due.
public struct ClaimedJob: Sendable, Equatable {
    public var member: String
    public var token: String
    public var attempts: Int
    public var dueAt: Date

    /// The order this job moves.
    public var orderID: UUID? { JobQueue.orderID(member: member) }
}
