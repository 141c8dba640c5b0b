import Foundation
import Logging
import Redis

/// The queues of every kind together, as operators see them: depth per kind and in total, the
/// dead jobs of all kinds, and a dead job put back whatever its kind.
public struct JobQueues: Sendable {
    public let queues: [JobQueue]

    public init(redis: RedisClient, partitions: Int = JobPartitions.count) {
        queues = JobKind.allCases.map { JobQueue(redis: redis, kind: $0, partitions: partitions) }
    }

    public subscript(kind: JobKind) -> JobQueue { queues.first { $0.kind == kind }! }

    /// Schedules jobs of any kinds in as few round trips as they take (see
    /// ``JobQueue/enqueue(_:logger:)``); returns how many were added.
    @discardableResult
    public func enqueue(_ jobs: [(kind: JobKind, member: String, dueAt: Date)], logger: Logger) async throws -> Int {
        guard let redis = queues.first?.redis else { return 0 }
        return try await JobQueue.enqueue(jobs.map { (self[$0.kind], $0.member, $0.dueAt) }, redis: redis, logger: logger)
    }

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

extension JobQueues {
    /// Where the partition count every gateway and worker uses is written down, by the first.
    static let partitionsKey = "jobs:{layout}:partitions"

    /// The partition count the deployment's queues use, so a process started with another
    /// `JOB_PARTITIONS` finds out (it would enqueue into or claim from partitions the others
    /// never look at). A worker records its own when none is (`record`); a gateway only reads,
    /// and gets nil when no worker has recorded one yet.
    public func recordedPartitions(record: Bool = true, logger: Logger) async throws -> Int? {
        let count = queues.first?.keys.partitions ?? JobPartitions.count
        guard let redis = queues.first?.redis else { return count }
        let get = RedisCommand("GET", Self.partitionsKey)
        let commands = record ? [RedisCommand("SET", Self.partitionsKey, count, "NX"), get] : [get]
        return try await redis.pipeline(commands, logger: logger).last?.string.flatMap { Int($0) } ?? (record ? count : nil)
    }
}
