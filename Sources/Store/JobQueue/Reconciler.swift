import Foundation
import Logging
import Redis

/// Makes Redis agree with Postgres: applies every pending order already past its time and
/// re-enqueues upcoming ones missing from the schedule (a lost `ZADD`, or a Redis that lost its
/// data). At most one runs at a time cluster-wide, under a lease lock in Redis.
public struct Reconciler: Sendable {
    let transitions: OrderTransitions
    let queue: JobQueue
    let redis: RedisClient
    /// How many upcoming orders one pass re-checks.
    let horizon: Int
    /// How long a pass waits for the placements in progress when it begins (``runOnce(logger:)``).
    let placementsWait: Duration

    public init(
        transitions: OrderTransitions, queue: JobQueue, redis: RedisClient, horizon: Int = 10_000,
        placementsWait: Duration = .seconds(2)
    ) {
        self.transitions = transitions
        self.queue = queue
        self.redis = redis
        self.horizon = horizon
        self.placementsWait = placementsWait
    }

    /// What one pass did.
    public struct Report: Sendable, Equatable {
        public var updated: Int
        public var enqueued: Int
    }

    /// One pass, whoever holds the lock (the admin's trigger runs it at once).
    ///
    /// A placement enqueues its move inside its transaction, before the commit, and not again
    /// after it: if Redis loses that job, the order may still be uncommitted when the pass that
    /// follows the loss reads Postgres. So the pass first waits for the transactions writing
    /// orders when it began; one still open after `placementsWait` leaves the schedule unmarked,
    /// and the next claim asks for another pass.
    public func runOnce(logger: Logger) async throws -> Report {
        let pass = try await queue.beginPass(logger: logger)
        let settled = try await transitions.untilOrderWritesEnd(within: placementsWait, logger: logger)
        let updated = try await transitions.sweepOverdue(reason: "auto-processed (reconciler)", logger: logger)
        let unpaid = try await transitions.cancelUnpaid(logger: logger)
        if !unpaid.isEmpty {
            logger.notice("cancelled orders whose payment did not come", metadata: ["order.count": "\(unpaid.count)"])
        }
        let upcoming = try await transitions.upcoming(limit: horizon, logger: logger)
        let enqueued = try await queue.enqueue(upcoming.map { (JobQueue.member(orderID: $0.id), $0.dueAt) }, logger: logger)
        // The schedule holds what Postgres owed when the pass began: claims find the epoch until
        // Redis loses its data again (and the pass marks nothing if that happened meanwhile).
        if settled {
            try await queue.finishPass(pass, logger: logger)
        } else {
            logger.warning(
                "a transaction writing orders outlasted the reconcile pass's wait; the schedule stays unmarked",
                metadata: ["reconcile.wait_seconds": "\(placementsWait.components.seconds)"])
        }
        if updated > 0 || enqueued > 0 {
            logger.notice("reconciled", metadata: ["reconcile.updated": "\(updated)", "reconcile.enqueued": "\(enqueued)"])
        }
        return Report(updated: updated, enqueued: enqueued)
    }

    /// A pass now, whoever holds the periodic lease, when a process sees Redis come back or
    /// finds its schedule gone: orders due meanwhile move at once, not at the next interval.
    /// One such pass at a time cluster-wide (a short lock); nil when another is running.
    public func runUrgently(owner: String, logger: Logger) async throws -> Report? {
        let taken = try await redis.send(
            RedisCommand("SET", queue.keys.reconcilerLock + ":urgent", owner, "NX", "PX", 10_000), logger: logger)
        guard !taken.isNull else { return nil }
        let report = try await runOnce(logger: logger)
        try await redis.send(RedisCommand("DEL", queue.keys.reconcilerLock + ":urgent"), logger: logger)
        return report
    }

    /// Takes (or keeps) the cluster-wide lease for `interval`; true when `owner` holds it.
    public func lead(owner: String, interval: Duration, logger: Logger) async throws -> Bool {
        try await RedisLease(key: queue.keys.reconcilerLock, redis: redis).take(owner: owner, for: interval, logger: logger)
    }
}
