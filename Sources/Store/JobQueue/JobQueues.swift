import Foundation
import Logging
import Redis

/// The queues of every kind together, as operators see them: depth per kind and in total, the
/// dead jobs of all kinds, and a dead job put back whatever its kind.
public struct JobQueues: Sendable {
    public let queues: [JobQueue]

    public init(redis: RedisClient) {
        queues = JobKind.allCases.map { JobQueue(redis: redis, kind: $0) }
    }

    public subscript(kind: JobKind) -> JobQueue { queues.first { $0.kind == kind }! }

    /// Each kind's depth, in ``JobKind`` order.
    public func depths(logger: Logger) async throws -> [(kind: JobKind, depth: QueueDepth)] {
        try await withThrowingTaskGroup(of: (Int, QueueDepth).self) { group in
            for (index, queue) in queues.enumerated() {
                group.addTask { (index, try await queue.depth(logger: logger)) }
            }
            var depths = [QueueDepth?](repeating: nil, count: queues.count)
            for try await (index, depth) in group { depths[index] = depth }
            return zip(queues, depths).map { ($0.kind, $1!) }
        }
    }

    /// The dead jobs of every kind, the most recently dead first, at most `limit`.
    public func dead(limit: Int = 100, logger: Logger) async throws -> [DeadJob] {
        var all: [DeadJob] = []
        for queue in queues { all += try await queue.dead(limit: limit, logger: logger) }
        return Array(all.sorted { $0.diedAt > $1.diedAt }.prefix(limit))
    }

    /// Puts the dead job `member` back on its kind's schedule, due now; the kind it was in, or
    /// nil when no kind has it dead.
    public func resurrect(_ member: String, logger: Logger) async throws -> JobKind? {
        for queue in queues where try await queue.resurrect(member, logger: logger) { return queue.kind }
        return nil
    }
}
