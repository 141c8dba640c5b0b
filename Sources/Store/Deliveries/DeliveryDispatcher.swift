import Foundation
import Logging
import Redis

/// Turns committed order events into deliveries (the ledger) and their jobs (the queue), one
/// process at a time cluster-wide under a lease in Redis. The ledger's cursor and key make each
/// event become each delivery exactly once, whoever dispatches and however often it crashes;
/// a job lost between the commit and the enqueue (an error at either, or a leader that died
/// between them) is enqueued by ``enqueueOwed(logger:)`` before the next step.
public struct DeliveryDispatcher: Sendable {
    let ledger: DeliveryLedger
    let redis: RedisClient
    /// Every kind's queue, made once (their keys are names per partition).
    let queues: JobQueues
    /// Whether emails are owed at all (`SMTP_URL` is set).
    public let email: Bool
    let batch: Int

    public init(ledger: DeliveryLedger, redis: RedisClient, email: Bool, batch: Int = 500) {
        self.ledger = ledger
        self.redis = redis
        self.queues = JobQueues(redis: redis)
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
        // An error here leaves committed deliveries without jobs: the loop then runs
        // ``enqueueOwed(logger:)`` before its next step.
        try await queues.enqueue(dispatched.deliveries.map { ($0.kind, $0.member, now) }, logger: logger)
        return dispatched.events
    }

    /// Enqueues every delivery the ledger still owes that Redis does not hold (scheduled, running
    /// or dead), of every kind this dispatcher writes: after a step that may have committed its
    /// deliveries without enqueueing them, and on taking the lease from another process.
    public func enqueueOwed(logger: Logger) async throws {
        for kind in email ? [JobKind.webhook, .email] : [.webhook] {
            try await DeliveryReconciler(ledger: ledger, queue: queues[kind], redis: redis).runOnce(logger: logger)
        }
    }
}
