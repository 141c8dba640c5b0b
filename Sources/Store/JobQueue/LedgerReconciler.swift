import Foundation
import Logging
import Redis
import StoreClients

/// Makes one kind's queue agree with the Postgres ledger its jobs point at: every row still owed
/// there is enqueued again unless Redis has its job (scheduled, running or dead), so what Redis
/// lost is done anyway. One pass at a time cluster-wide per kind, under a lease lock in Redis.
/// The deliveries' reconciler (`DeliveryReconciler`) and the payment intents' are two of these.
public struct LedgerReconciler: Sendable {
    let queue: JobQueue
    let redis: RedisClient
    /// The ledger's owed rows, at most this many, oldest first: each one's job member.
    let owed: @Sendable (_ limit: Int, Logger) async throws -> [UUID]
    /// How many owed rows one pass looks at.
    let horizon: Int
    /// What the pass's log line calls them.
    let noun: String
    /// Runs after each periodic pass, under the same lease (the payment intents' provider sync).
    public var followUp: (@Sendable (Logger) async -> Void)?

    public init(
        queue: JobQueue, redis: RedisClient, horizon: Int = 10_000, noun: String,
        owed: @escaping @Sendable (_ limit: Int, Logger) async throws -> [UUID]
    ) {
        self.queue = queue
        self.redis = redis
        self.horizon = horizon
        self.noun = noun
        self.owed = owed
    }

    /// The deliveries of the queue's kind still owed in `ledger`.
    public init(ledger: DeliveryLedger, queue: JobQueue, redis: RedisClient, horizon: Int = 10_000) {
        self.init(queue: queue, redis: redis, horizon: horizon, noun: "deliveries") { limit, logger in
            try await ledger.owed(kind: queue.kind, limit: limit, logger: logger)
        }
    }

    /// The payments in `ledger` still waiting for their intent (the `payment_intent` kind).
    public init(payments ledger: PaymentLedger, redis: RedisClient, horizon: Int = 10_000) {
        self.init(queue: JobQueue(redis: redis, kind: .paymentIntent), redis: redis, horizon: horizon, noun: "payment intents") {
            limit, logger in
            try await ledger.withoutIntent(limit: limit, logger: logger)
        }
    }

    /// The orders whose authorised payment waits for its capture (the `payment_capture` kind).
    public init(captures ledger: PaymentLedger, redis: RedisClient, horizon: Int = 10_000) {
        self.init(queue: JobQueue(redis: redis, kind: .paymentCapture), redis: redis, horizon: horizon, noun: "captures") {
            limit, logger in
            try await ledger.needingCapture(limit: limit, logger: logger)
        }
    }

    /// The cancelled orders whose payment is still open (the `payment_void` kind).
    public init(voids ledger: PaymentLedger, redis: RedisClient, horizon: Int = 10_000) {
        self.init(queue: JobQueue(redis: redis, kind: .paymentVoid), redis: redis, horizon: horizon, noun: "voids") {
            limit, logger in
            try await ledger.needingVoid(limit: limit, logger: logger)
        }
    }

    /// The refunds still waiting for the provider (the `payment_refund` kind).
    public init(refunds ledger: PaymentLedger, redis: RedisClient, horizon: Int = 10_000) {
        self.init(queue: JobQueue(redis: redis, kind: .paymentRefund), redis: redis, horizon: horizon, noun: "refunds") {
            limit, logger in
            try await ledger.pendingRefunds(limit: limit, logger: logger).map(\.id)
        }
    }

    var lockKey: String { queue.keys.reconcilerLock }

    /// One pass: returns how many jobs it enqueued.
    @discardableResult
    public func runOnce(logger: Logger) async throws -> Int {
        let pass = try await queue.beginPass(logger: logger)
        let owed = try await owed(horizon, logger)
        let now = Date()
        let enqueued = try await queue.enqueue(owed.map { ($0.lowercasedString, now) }, logger: logger)
        try await queue.finishPass(pass, logger: logger)
        if enqueued > 0 {
            logger.notice(
                "re-enqueued owed \(noun)", metadata: ["job.kind": "\(queue.kind.rawValue)", "reconcile.enqueued": "\(enqueued)"])
        }
        return enqueued
    }

    /// The periodic pass, by whichever process holds the kind's lease.
    public func reconcile(owner: String, interval: Duration, logger: Logger) async throws {
        guard try await RedisLease(key: lockKey, redis: redis).take(owner: owner, for: interval, logger: logger) else { return }
        try await runOnce(logger: logger)
        await followUp?(logger)
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
                "urgent reconcile failed",
                metadata: Logger.Metadata.describing(error, ["job.kind": "\(queue.kind.rawValue)", "reconcile.reason": "\(reason)"]))
        }
    }
}

/// The deliveries' reconciler: a ``LedgerReconciler`` over the ``DeliveryLedger``.
public typealias DeliveryReconciler = LedgerReconciler
