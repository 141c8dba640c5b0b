import Foundation

/// A job that ran out of attempts (or of time).
public struct DeadJob: Sendable, Equatable {
    public var kind: JobKind
    public var member: String
    public var attempts: Int
    public var lastError: String?
    public var diedAt: Date

    /// The order this job was to move (transitions only).
    public var orderID: UUID? { kind == .transition ? JobQueue.orderID(member: member) : nil }
}
