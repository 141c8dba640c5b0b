import Foundation
import Logging
import Postgres
import Prometheus
import Redis
import TestSupport
import Testing

@testable import Jobs
@testable import Store

/// One order whose rows the database refuses to move (here: pending beside a `processing` event
/// already recorded, which the events' unique index rejects) holds back only itself: the worker's
/// batches, the reconciler's sweep and its re-enqueueing go on without it.
@Suite("An order the database refuses to move", .timeLimit(.minutes(2)))
struct RefusedOrderMoveTests {
    let logger = TestStores.logger

    // MARK: Helpers

    /// `count` pending orders of one customer, past their time, oldest first, and one more among
    /// them (in the middle, by due time) that cannot move to `status`: an event of that move is
    /// there already. Returns all of them and that one.
    func overdueOrders(_ count: Int, refusing status: OrderStatus = .processing, _ database: Database) async throws -> (
        all: [UUID], refused: UUID
    ) {
        let user = UUIDv7.make()
        try await database.query(
            """
            INSERT INTO users (id, username, email, password_hash)
            VALUES (\(user), \("u" + user.lowercasedString.suffix(12)), \(user.lowercasedString + "@example.com"), 'x')
            """, logger: logger)
        let all = try await database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency,
                                auto_process_at, cancellable_until)
            SELECT gen_random_uuid(), \(user), 'Job', 'job@example.com', 'x', 1, 'USD', now() - n * interval '1 second', now()
            FROM generate_series(\(count + 1), 1, -1) AS n
            RETURNING id
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
        let refused = all[all.count / 2]
        try await database.query(
            """
            INSERT INTO order_events (id, order_id, from_status, to_status, reason)
            VALUES (\(UUIDv7.make()), \(refused), 'pending', \(status.rawValue), 'recorded, then the order put back by hand')
            """, logger: logger)
        return (all, refused)
    }

    /// The orders of `ids` at `status`.
    func count(_ ids: [UUID], at status: OrderStatus, _ database: Database) async throws -> Int {
        try await database.scalar("SELECT count(*) FROM orders WHERE id = ANY(\(ids)) AND status = \(status.rawValue)") ?? 0
    }

    /// The `processing` transition events of the orders of `ids`.
    func processingEvents(_ ids: [UUID], _ database: Database) async throws -> Int {
        try await database.scalar(
            "SELECT count(*) FROM order_events WHERE order_id = ANY(\(ids)) AND kind = 'transition' AND to_status = 'processing'"
        ) ?? 0
    }

    /// The refusals of moves to `status` counted in `registry`.
    static func refusals(to status: OrderStatus, in registry: PrometheusCollectorRegistry) -> String? {
        let prefix = #"orders_move_refusals_total{to=""# + status.rawValue + #""} "#
        return registry.text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count))
        }
    }

    // MARK: Tests

    @Test func aBatchMovesEveryOrderButTheOneRefused() async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            let (all, refused) = try await overdueOrders(20, stores.database)
            let registry = PrometheusCollectorRegistry()
            let transitions = OrderTransitions(database: stores.database, metrics: PrometheusMetricsFactory(registry: registry))
            let outcome = try await transitions.processDue(all, reason: "test", logger: logger)
            #expect(Self.refusals(to: .processing, in: registry) == "1")
            #expect(outcome.refused == [refused])
            #expect(outcome.moved == Set(all).subtracting([refused]))
            #expect(try await count(all, at: .processing, stores.database) == 20)
            #expect(try await count([refused], at: .pending, stores.database) == 1)
            #expect(try await processingEvents(all, stores.database) == 21, "one event per order, the refused one's as it was")
        }
    }

    @Test func theWorkersJobOfTheRefusedOrderFailsAlone() async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            let (all, refused) = try await overdueOrders(9, stores.database)
            let transitions = OrderTransitions(database: stores.database)
            let jobs = TransitionJobs(
                policy: TransitionJobs.policy(concurrency: 8, lease: .seconds(2), maxAttempts: 5), transitions: transitions,
                reconciler: Reconciler(transitions: transitions, queue: JobQueue(redis: stores.redis), redis: stores.redis))
            let claimed = all.map { ClaimedJob(member: JobQueue.member(orderID: $0), token: "t", attempts: 1, dueAt: Date()) }
            let outcomes = await jobs.process(claimed, logger: logger)
            for (order, outcome) in zip(all, outcomes) {
                if order == refused {
                    #expect(outcome == .failed("the database refuses its move"))
                } else {
                    #expect(outcome == .applied)
                }
            }
        }
    }

    /// The sweep moves the others in every batch after the one that holds the refused order, and
    /// asks for it once per sweep.
    @Test func theSweepMovesEveryOverdueOrderButTheOneRefused() async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            let (all, refused) = try await overdueOrders(20, stores.database)
            let transitions = OrderTransitions(database: stores.database)
            #expect(try await transitions.sweepOverdue(batch: 4, reason: "sweep", logger: logger) == 20)
            #expect(try await count([refused], at: .pending, stores.database) == 1)
            #expect(try await count(all, at: .processing, stores.database) == 20)
            #expect(try await transitions.sweepOverdue(batch: 4, reason: "sweep", logger: logger) == 0)
            #expect(try await processingEvents(all, stores.database) == 21)
        }
    }

    @Test func theUnpaidOrdersAreCancelledButTheOneRefused() async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            let (all, refused) = try await overdueOrders(4, refusing: .cancelled, stores.database)
            try await stores.database.query(
                "INSERT INTO payments (order_id, provider, amount, currency) SELECT id, 'stripe', 1, 'USD' FROM unnest(\(all)) AS id",
                logger: logger)
            let registry = PrometheusCollectorRegistry()
            let transitions = OrderTransitions(
                database: stores.database, paymentTimeout: 0, metrics: PrometheusMetricsFactory(registry: registry))
            let cancelled = try await transitions.cancelUnpaid(logger: logger)
            #expect(Self.refusals(to: .cancelled, in: registry) == "1")
            #expect(Self.refusals(to: .processing, in: registry) == "0")
            #expect(Set(cancelled) == Set(all).subtracting([refused]))
            #expect(try await count([refused], at: .pending, stores.database) == 1)
        }
    }

    /// Before, the sweep's failure ended the pass before it re-enqueued what Redis had lost.
    @Test func aReconcilerPassStillEnqueuesWhatRedisLost() async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            _ = try await overdueOrders(5, stores.database)
            let upcoming = try await JobsTestSupport.placeOrder(stores.database, logger: logger)
            let transitions = OrderTransitions(database: stores.database)
            let queue = JobQueue(redis: stores.redis)
            let report = try await Reconciler(transitions: transitions, queue: queue, redis: stores.redis).runOnce(logger: logger)
            #expect(report.updated == 5)
            let members = try await queue.claim(worker: "w", limit: 10, lease: .seconds(5), ahead: .seconds(7200), logger: logger)
                .jobs.map(\.member)
            #expect(members.contains(JobQueue.member(orderID: upcoming)))
        }
    }
}
