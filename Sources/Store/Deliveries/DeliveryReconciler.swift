import Foundation
import Logging
import Redis
import StoreClients

/// Makes one delivery kind's queue agree with the ledger: every delivery still owed in Postgres
/// is enqueued again unless Redis has it (scheduled, running or dead), so what Redis lost is
/// delivered. One pass at a time cluster-wide per kind, under a lease lock in Redis.
public struct DeliveryReconciler: Sendable {
    let ledger: DeliveryLedger
    let queue: JobQueue
    let redis: RedisClient
    /// How many owed deliveries one pass looks at.
    let horizon: Int

    public init(ledger: DeliveryLedger, queue: JobQueue, redis: RedisClient, horizon: Int = 10_000) {
        self.ledger = ledger
        self.queue = queue
        self.redis = redis
        self.horizon = horizon
    }

    var lockKey: String { "jobs:{\(queue.kind.rawValue)}:reconciler" }

    /// One pass: returns how many deliveries it enqueued.
    @discardableResult
    public func runOnce(logger: Logger) async throws -> Int {
        let pass = try await queue.beginPass(logger: logger)
        let owed = try await ledger.owed(kind: queue.kind, limit: horizon, logger: logger)
        let now = Date()
        var enqueued = 0
        for chunk in stride(from: 0, to: owed.count, by: 500) {
            let calls = owed[chunk..<min(chunk + 500, owed.count)].map { queue.enqueueCall($0.uuidString.lowercased(), dueAt: now) }
            enqueued += try await redis.run(Array(calls), logger: logger).filter { $0.int == 1 }.count
        }
        try await queue.finishPass(pass, logger: logger)
        if enqueued > 0 {
            logger.notice(
                "re-enqueued owed deliveries", metadata: ["job.kind": "\(queue.kind.rawValue)", "reconcile.enqueued": "\(enqueued)"])
        }
        return enqueued
    }

    /// The periodic pass, by whichever process holds the kind's lease.
    public func reconcile(owner: String, interval: Duration, logger: Logger) async throws {
        guard try await RedisLease(key: lockKey, redis: redis).take(owner: owner, for: interval, logger: logger) else { return }
        try await runOnce(logger: logger)
    }

    /// A pass now (Redis came back, or lost the kind's schedule), one at a time cluster-wide.
    public func reconcileUrgently(owner: String, reason: String, logger: Logger) async {
        do {
            let taken = try await redis.send(RedisCommand("SET", lockKey + ":urgent", owner, "NX", "PX", 10_000), logger: logger)
            guard !taken.isNull else { return }
            try await runOnce(logger: logger)
            try await redis.send(RedisCommand("DEL", lockKey + ":urgent"), logger: logger)
        } catch {
            logger.warning(
                "urgent delivery reconcile failed", metadata: Logger.Metadata.describing(error, ["reconcile.reason": "\(reason)"]))
        }
    }
}
