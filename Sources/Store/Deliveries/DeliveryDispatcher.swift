import Foundation
import Logging
import Redis

/// Turns committed order events into deliveries (the ledger) and their jobs (the queue), one
/// process at a time cluster-wide under a lease in Redis. The ledger's cursor and key make each
/// event become each delivery exactly once, whoever dispatches and however often it crashes;
/// a job lost between the commit and the enqueue is enqueued again by the reconciler.
public struct DeliveryDispatcher: Sendable {
    let ledger: DeliveryLedger
    let redis: RedisClient
    /// Whether emails are owed at all (`SMTP_URL` is set).
    public let email: Bool
    let batch: Int

    public init(ledger: DeliveryLedger, redis: RedisClient, email: Bool, batch: Int = 500) {
        self.ledger = ledger
        self.redis = redis
        self.email = email
        self.batch = batch
    }

    static let leaseKey = "deliveries:{dispatch}:lease"

    /// Takes or keeps the lease for `lease`; true when `owner` holds it.
    public func lead(owner: String, lease: Duration, logger: Logger) async throws -> Bool {
        try await RedisLease(key: Self.leaseKey, redis: redis).take(owner: owner, for: lease, logger: logger)
    }

    /// Whether events wait to be dispatched.
    public func hasWork(logger: Logger) async throws -> Bool {
        try await ledger.hasEventsAfterCursor(logger: logger)
    }

    /// Dispatches the next batch of events and enqueues their deliveries; returns how many
    /// events it looked at (a full batch means more may wait).
    @discardableResult
    public func step(logger: Logger) async throws -> Int {
        let dispatched = try await ledger.dispatchNext(limit: batch, email: email, logger: logger)
        guard !dispatched.deliveries.isEmpty else { return dispatched.events }
        let now = Date()
        var calls: [ScriptCall] = []
        for delivery in dispatched.deliveries {
            calls.append(JobQueue(redis: redis, kind: delivery.kind).enqueueCall(delivery.member, dueAt: now))
        }
        do {
            _ = try await redis.run(calls, logger: logger)
        } catch {
            // The ledger has them: the reconciler enqueues what is still owed.
            logger.warning(
                "could not enqueue new deliveries; the reconciler will",
                metadata: ["delivery.count": "\(calls.count)", "error.type": "\(String(describing: type(of: error)))"])
        }
        return dispatched.events
    }
}
