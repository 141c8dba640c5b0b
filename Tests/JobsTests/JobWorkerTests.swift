import Foundation
import Logging
import Postgres
import PostgresNIO
import Redis
import Store
import TestSupport
import Testing

@testable import Jobs

/// Workers against real Postgres (a database of each test's own) and Redis (a server of each
/// test's own), so they never touch other suites' orders.
@Suite("Job workers", .timeLimit(.minutes(2)))
struct JobWorkerTests {
    let logger = TestStores.logger

    // MARK: Helpers

    /// A migrated empty database and a private Redis for `body`.
    func withStores(_ body: (String, PrivateRedisServer) async throws -> Void) async throws {
        try await PrivateRedisServer.with { redis in
            try await TestStores.withEmptyDatabase { url in
                try await TestStores.withDatabase(url: url) { client in
                    try await Migrator(database: client, migrations: Migration.bundled(), logger: logger).migrate()
                }
                try await body(url, redis)
            }
        }
    }

    /// `count` pending orders of one customer due `dueIn` seconds from now (spread uniformly),
    /// each also enqueued unless `enqueue` is false. Returns their ids.
    @discardableResult
    func makeOrders(_ count: Int, dueIn: ClosedRange<Double>, database: String, redis: String, enqueue: Bool = true) async throws -> [UUID]
    {
        try await makeOrders(count, dueIn: dueIn, database: database, redis: try RedisConfiguration(url: redis), enqueue: enqueue)
    }

    /// ``makeOrders(_:dueIn:database:redis:enqueue:)`` with a Redis of any configuration (a cluster).
    @discardableResult
    func makeOrders(
        _ count: Int, dueIn: ClosedRange<Double>, database: String, redis: RedisConfiguration, enqueue: Bool = true
    ) async throws -> [UUID] {
        let userID = UUIDv7.make()
        let rows: [(UUID, Date)] = try await TestStores.withDatabase(url: database) { client in
            try await client.query(
                "INSERT INTO users (id, username, email, password_hash) VALUES (\(userID), \("u" + userID.uuidString.suffix(12).lowercased()), \(userID.uuidString + "@example.com"), 'x')",
                logger: logger
            )
            let inserted = try await client.query(
                """
                INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency,
                                    auto_process_at, cancellable_until)
                SELECT gen_random_uuid(), \(userID), 'Job', 'job@example.com', 'x', 1, 'USD',
                       now() + (\(dueIn.lowerBound) + random() * \(dueIn.upperBound - dueIn.lowerBound)) * interval '1 second', now()
                FROM generate_series(1, \(count))
                RETURNING id, auto_process_at
                """,
                logger: logger
            )
            return try inserted.map { try $0.decode((UUID, Date).self) }
        }
        if enqueue {
            let client = RedisClient(configuration: redis, logger: logger)
            let queue = JobQueue(redis: client)
            try await queue.enqueue(rows.map { (JobQueue.member(orderID: $0.0), $0.1) }, logger: logger)
            await client.shutdown()
        }
        return rows.map(\.0)
    }

    /// Runs `count` in-process workers until `done` holds (checked every 100 ms) or `limit` passes;
    /// returns when `done` first held, nil if it never did.
    func runWorkers(
        _ count: Int, database: String, redis: String, reconcileEvery: Duration = .seconds(3600),
        limit: Duration = .seconds(30), until done: @escaping @Sendable (Database) async throws -> Bool
    ) async throws -> ContinuousClock.Instant? {
        try await runWorkers(
            count, database: database, redis: try RedisConfiguration(url: redis), reconcileEvery: reconcileEvery, limit: limit,
            until: done)
    }

    /// ``runWorkers(_:database:redis:reconcileEvery:limit:until:)`` with a Redis of any configuration.
    func runWorkers(
        _ count: Int, database: String, redis: RedisConfiguration, reconcileEvery: Duration = .seconds(3600),
        limit: Duration = .seconds(30), until done: @escaping @Sendable (Database) async throws -> Bool
    ) async throws -> ContinuousClock.Instant? {
        let postgres = Database(configuration: try .init(url: database), logger: logger)
        let redisClient = RedisClient(configuration: redis, logger: logger)
        let workers = (0..<count).map { _ in
            JobWorker(
                options: .init(reconcileInterval: reconcileEvery), redis: redisClient,
                handlers: [Self.transitionJobs(database: postgres, redis: redisClient)], logger: logger
            )
        }
        let finished = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            // The workers stop before the pool they use, as in a worker process (OrderedServices):
            // a statement begun after the pool's run() ended would wait for it forever.
            let running = Task {
                try await withThrowingTaskGroup(of: Void.self) { workersGroup in
                    for worker in workers { workersGroup.addTask { try await worker.run() } }
                    try await workersGroup.waitForAll()
                }
            }
            let deadline = ContinuousClock.now + limit
            var finished: ContinuousClock.Instant?
            while ContinuousClock.now < deadline {
                if try await done(postgres) {
                    finished = .now
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            running.cancel()
            _ = await running.result
            group.cancelAll()
            return finished
        }
        await redisClient.shutdown()
        return finished
    }

    /// The transition kind as the worker runs it (orders claimed 50 ms ahead, as by default),
    /// with the tests' short lease.
    static func transitionJobs(database: Database, redis: RedisClient) -> TransitionJobs {
        let transitions = OrderTransitions(database: database)
        return TransitionJobs(
            policy: TransitionJobs.policy(concurrency: 64, lease: .seconds(2), maxAttempts: 5, claimAhead: .milliseconds(50)),
            transitions: transitions,
            reconciler: Reconciler(transitions: transitions, queue: JobQueue(redis: redis), redis: redis))
    }

    static func count(_ client: Database, _ query: PostgresQuery) async throws -> Int {
        try await client.scalar(query) ?? 0
    }

    static func processing(_ client: Database) async throws -> Int {
        try await count(client, "SELECT count(*) FROM orders WHERE status = 'processing'")
    }

    /// Every moved order has exactly one processing event, and none moved before its time.
    func expectExactlyOnceAndNoneEarly(database: String, expected: Int) async throws {
        try await TestStores.withDatabase(url: database) { (client) async throws -> Void in
            #expect(try await Self.processing(client) == expected)
            #expect(
                try await Self.count(client, "SELECT count(*) FROM order_events WHERE kind = 'transition' AND to_status = 'processing'")
                    == expected)
            #expect(
                try await Self.count(
                    client, "SELECT count(DISTINCT order_id) FROM order_events WHERE kind = 'transition' AND to_status = 'processing'")
                    == expected
            )
            #expect(
                try await Self.count(
                    client,
                    """
                    SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
                    WHERE e.kind = 'transition' AND e.to_status = 'processing' AND e.at < o.auto_process_at
                    """) == 0, "no order moved before its time")
        }
    }

    // MARK: Tests

    @Test func twoThousandOrdersThreeWorkersEachExactlyOnce() async throws {
        try await withStores { database, redis in
            try await makeOrders(2000, dueIn: 1...3, database: database, redis: redis.url)
            let finished = try await runWorkers(3, database: database, redis: redis.url) { try await Self.processing($0) == 2000 }
            #expect(finished != nil)
            try await expectExactlyOnceAndNoneEarly(database: database, expected: 2000)
        }
    }

    /// A Redis Cluster of the test's own, an empty database migrated, and the cluster's client
    /// configuration.
    func withClusterAndDatabase(_ body: (PrivateRedisCluster, String, RedisConfiguration) async throws -> Void) async throws {
        try await PrivateRedisCluster.with { cluster in
            try await TestStores.withEmptyDatabase { database in
                try await TestStores.withDatabase(url: database) { client in
                    try await Migrator(database: client, migrations: Migration.bundled(), logger: logger).migrate()
                }
                var redis = RedisConfiguration()
                redis.clusterNodes = cluster.endpoints
                try await body(cluster, database, redis)
            }
        }
    }

    /// Failover under load (`make test-cluster`): 2,000 orders due over 4 s, three workers on a
    /// Redis Cluster, and the primary holding a third of the transitions' partitions killed
    /// (`SIGKILL`) in the middle; its replica takes over. Every order moves once, none early,
    /// none is lost: what the failover lost (writes not yet replicated), the reconciler puts back
    /// from Postgres.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CLUSTER_TESTS"] == "1", "run by make test-cluster"))
    func aClusterPrimaryKilledUnderLoadLosesAndDoublesNothing() async throws {
        try await withClusterAndDatabase { cluster, database, redis in
            try await makeOrders(2000, dueIn: 2...6, database: database, redis: redis)
            // The shard of the transitions' first partition (the others are on the other shards).
            let queueSlot = RedisSlot.of(JobQueueKeys(kind: .transition, partitions: JobPartitions.count).partition(0).scheduled)
            let victim = try await cluster.primary(of: queueSlot)
            let info = try await cluster.send(RedisCommand("INFO", "server"), to: victim.endpoint).string ?? ""
            let pid = try #require(
                info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("process_id:") }.flatMap { Int32($0.dropFirst(11)) })
            let started = ContinuousClock.now
            let failover = Task {
                try await Task.sleep(for: .seconds(4))
                #expect(kill(pid, SIGKILL) == 0)
                let killed = ContinuousClock.now
                // Until its replica is promoted (as the surviving nodes see it).
                while try await cluster.primary(of: queueSlot).id == victim.id, ContinuousClock.now - killed < .seconds(30) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                return ContinuousClock.now - killed
            }
            let finished = try await runWorkers(3, database: database, redis: redis, reconcileEvery: .seconds(2), limit: .seconds(60)) {
                try await Self.processing($0) == 2000
            }
            let promotedAfter = try await failover.value
            #expect(finished != nil)
            #expect(try await cluster.primary(of: queueSlot).id != victim.id, "the replica took over")
            print(
                "failover under load: the primary of a third of the partitions SIGKILLed 4 s in, its replica promoted \(promotedAfter) later; 2,000 orders moved in \(finished.map { $0 - started }.map(String.init(describing:)) ?? "–")"
            )
            try await expectExactlyOnceAndNoneEarly(database: database, expected: 2000)
        }
    }

    /// Resharding under load (`make test-cluster`): while three workers apply 2,000 orders and
    /// another 1,000 are placed, every slot of one primary that holds a transitions' partition
    /// (and the kind's wake-ups) moves to another, a few keys at a time, as `redis-cli --cluster
    /// reshard` moves them; then `redis-cli --cluster reshard` itself moves a third primary's
    /// lowest slots, up to one of its partitions. No enqueue fails, every order moves once, none
    /// early.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CLUSTER_TESTS"] == "1", "run by make test-cluster"))
    func slotsMovedBetweenPrimariesUnderLoadLoseAndDoubleNothing() async throws {
        try await withClusterAndDatabase { cluster, database, redis in
            try await makeOrders(1000, dueIn: 2...7, database: database, redis: redis)
            let keys = JobQueueKeys(kind: .transition, partitions: JobPartitions.count)
            let primaries = try await cluster.primaries()
            // The primary holding the most of the transitions' partitions gives them all away.
            let slots = keys.all.map { RedisSlot.of($0.scheduled) } + [RedisSlot.of(keys.wakeups)]
            let source = try #require(
                primaries.max { a, b in
                    slots.filter { slot in a.slots.contains { $0.contains(slot) } }.count
                        < slots.filter { slot in b.slots.contains { $0.contains(slot) } }.count
                })
            let moving = slots.filter { slot in source.slots.contains { $0.contains(slot) } }
            let target = try #require(primaries.first { $0.id != source.id })
            let started = ContinuousClock.now
            // Then `redis-cli --cluster reshard` itself, from the third primary: its lowest slots, up
            // to the first of the transitions' partitions it holds.
            let third = try #require(primaries.first { $0.id != source.id && $0.id != target.id })
            let thirdsPartition = try #require(slots.filter { slot in third.slots.contains { $0.contains(slot) } }.min())
            let reshardCount = thirdsPartition - (third.slots.map(\.lowerBound).min() ?? thirdsPartition) + 1
            let reshard = Task {
                try await Task.sleep(for: .seconds(2))
                let begun = ContinuousClock.now
                for slot in moving { try await cluster.move(slot: slot, to: target) }
                let tool = try await ChildProcess.run(
                    "/usr/bin/redis-cli",
                    [
                        "--cluster", "reshard", "127.0.0.1:\(third.endpoint.port)", "--cluster-from", third.id, "--cluster-to", target.id,
                        "--cluster-slots", String(reshardCount), "--cluster-yes",
                    ])
                #expect(tool.status == 0, "redis-cli --cluster reshard: \(tool.standardError.suffix(500))")
                return ContinuousClock.now - begun
            }
            let placing = Task {
                for _ in 0..<10 {
                    try await makeOrders(100, dueIn: 1...3, database: database, redis: redis)
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
            let finished = try await runWorkers(3, database: database, redis: redis, limit: .seconds(60)) {
                try await Self.processing($0) == 2000
            }
            let reshardTook = try await reshard.value
            try await placing.value
            #expect(finished != nil)
            print(
                "resharding under load: \(moving.count) slots moved (their keys 5 at a time), then \(reshardCount) by redis-cli --cluster reshard, in \(reshardTook) while 1,000 orders were placed; 2,000 orders moved in \(finished.map { $0 - started }.map(String.init(describing:)) ?? "–")"
            )
            #expect(!moving.isEmpty)
            for slot in moving + [thirdsPartition] {
                #expect(try await cluster.primary(of: slot).id == target.id, "slot \(slot) moved")
            }
            try await expectExactlyOnceAndNoneEarly(database: database, expected: 2000)
        }
    }

    /// A worker that died while holding jobs leaves exactly this in Redis: jobs claimed under its
    /// lease, never acked; its fencing tokens are refused afterwards.
    @Test func aDeadWorkersLeasedJobsAreAppliedByTheOthers() async throws {
        try await withStores { database, redis in
            try await makeOrders(100, dueIn: -1 ... -0.5, database: database, redis: redis.url)
            let redisClient = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: logger)
            let queue = JobQueue(redis: redisClient)
            let held = try await queue.claim(worker: "killed-worker", limit: 500, lease: .seconds(1), logger: logger)
            #expect(held.jobs.count == 100)
            let finished = try await runWorkers(2, database: database, redis: redis.url) { client in
                let depth = try await queue.depth(logger: TestStores.logger)
                return try await Self.processing(client) == 100 && depth.inFlight == 0 && depth.scheduled == 0
            }
            #expect(finished != nil)
            try await expectExactlyOnceAndNoneEarly(database: database, expected: 100)
            #expect(try await queue.ack(held.jobs, logger: logger).allSatisfy { !$0 }, "the dead worker's tokens are fenced off")
            await redisClient.shutdown()
        }
    }

    /// A real `worker` process, stuck mid-batch on row locks while it holds 100 claimed jobs,
    /// is killed with SIGKILL: the others apply every job once its lease has run out.
    @Test func aWorkerProcessKilledWhileHoldingJobs() async throws {
        try await withStores { database, redis in
            let ids = try await makeOrders(100, dueIn: -1 ... -0.5, database: database, redis: redis.url)
            let redisClient = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: logger)
            let queue = JobQueue(redis: redisClient)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString).log").path
            defer { unlink(log) }
            // Holds the orders' rows, so the worker's batch update waits with its jobs claimed.
            let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
            let (released, release) = AsyncStream.makeStream(of: Void.self)
            let locker = Task {
                try await TestStores.withDatabase(url: database) { client in
                    try await client.transaction(logger: logger) { connection in
                        try await connection.query("SELECT id FROM orders WHERE id = ANY(\(ids)) FOR UPDATE", logger: logger)
                        lockTaken.yield()
                        for await _ in released { break }
                    }
                }
            }
            for await _ in locked { break }
            let pid = try ChildProcess.spawn(
                ChildProcess.productsDirectory.appendingPathComponent("worker").path,
                environment: [
                    "DATABASE_URL": database, "REDIS_URL": redis.url, "ENV": "test", "WORKER_PORT": "0",
                    "CONCURRENCY": "200", "JOB_LEASE_SECONDS": "2", "LOG_LEVEL": "warning", "RECONCILE_INTERVAL_SECONDS": "3600",
                ],
                logFile: log
            )
            var held = 0
            for _ in 0..<100 where held < 100 {
                try await Task.sleep(for: .milliseconds(100))
                held = try await queue.depth(logger: logger).inFlight
            }
            #expect(held == 100, "the worker process claimed every job")
            kill(pid, SIGKILL)
            await ChildProcess.wait(pid)
            release.finish()
            try await locker.value

            let finished = try await runWorkers(2, database: database, redis: redis.url) { client in
                let depth = try await queue.depth(logger: TestStores.logger)
                return try await Self.processing(client) == 100 && depth.inFlight == 0 && depth.scheduled == 0
            }
            #expect(finished != nil)
            try await expectExactlyOnceAndNoneEarly(database: database, expected: 100)
            await redisClient.shutdown()
        }
    }

    /// A worker whose HTTP port is taken fails its start, which cancels its service group while
    /// the claim loop is mid-batch. It must still exit, with status 1, having finished the batch:
    /// before the clients were stopped in order, about one start in four never exited (a
    /// Postgres query cancelled under it waited forever).
    @Test func aWorkerThatCannotServeItsPortExitsAfterItsBatch() async throws {
        try await withStores { database, redis in
            try await makeOrders(3000, dueIn: -1 ... -0.5, database: database, redis: redis.url)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString).log").path
            defer { unlink(log) }
            for attempt in 1...8 {
                let pid = try ChildProcess.spawn(
                    ChildProcess.productsDirectory.appendingPathComponent("worker").path,
                    environment: [
                        "DATABASE_URL": database, "REDIS_URL": redis.url, "ENV": "test", "LOG_LEVEL": "warning",
                        // The private redis-server's own port: taken.
                        "WORKER_HOST": "127.0.0.1", "WORKER_PORT": "\(redis.port)",
                    ],
                    logFile: log
                )
                let status = await ChildProcess.status(of: pid, within: .seconds(15))
                #expect(status == 1, "start \(attempt): \(status.map { "exit status \($0)" } ?? "still running after 15 s")")
                if status != 1 { print((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(3000) ?? "") }
                if status == nil { break }
            }
        }
    }

    /// An order a batch does not move is reported early, never left out: its job would be acked
    /// with the order still pending. Orders come due while batches run, every few milliseconds.
    @Test func aBatchReportsEveryOrderItDoesNotMoveAsEarly() async throws {
        try await withStores { database, redis in
            let ids = try await makeOrders(300, dueIn: 0.2...0.3, database: database, redis: redis.url, enqueue: false)
            try await TestStores.withDatabase(url: database) { client in
                let transitions = OrderTransitions(database: client)
                var pending = Set(ids)
                let deadline = ContinuousClock.now + .seconds(10)
                while !pending.isEmpty, ContinuousClock.now < deadline {
                    let outcome = try await transitions.processDue(Array(pending), reason: "test", logger: logger)
                    let unaccounted = pending.subtracting(outcome.moved).subtracting(outcome.notYetDue.keys)
                    #expect(unaccounted.isEmpty, "\(unaccounted.count) orders neither moved nor reported early")
                    pending.subtract(outcome.moved)
                    pending.subtract(unaccounted)
                }
                #expect(pending.isEmpty)
            }
        }
    }

    @Test func theReconcilerAppliesEverythingAfterRedisLosesItsData() async throws {
        try await withStores { database, redis in
            try await makeOrders(200, dueIn: 0.5...1.5, database: database, redis: redis.url)
            let redisClient = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: logger)
            try await redisClient.send("FLUSHALL")
            #expect(try await JobQueue(redis: redisClient).depth(logger: logger).scheduled == 0)
            await redisClient.shutdown()
            // After the flush only the reconciler (every second here, every 30 by default) can
            // bring these orders back. How soon is a speed, the benchmark's to measure: a bound
            // in seconds failed under the whole suite's load (CI, session 33) though nothing was
            // lost. The limit is a liveness bound only.
            let finished = try await runWorkers(1, database: database, redis: redis.url, reconcileEvery: .seconds(1), limit: .seconds(30)) {
                try await Self.processing($0) == 200
            }
            #expect(finished != nil, "every order moved by the reconciler")
            try await expectExactlyOnceAndNoneEarly(database: database, expected: 200)
        }
    }

    /// In `connection`'s open transaction, an order of a new customer due in a minute, as a
    /// placement writes it before it schedules its move.
    func insertOrder(on connection: DatabaseConnection) async throws -> (id: UUID, dueAt: Date) {
        let userID = UUIDv7.make()
        try await connection.query(
            "INSERT INTO users (id, username, email, password_hash) VALUES (\(userID), \("u" + userID.lowercasedString.suffix(12)), \(userID.lowercasedString + "@example.com"), 'x')",
            logger: logger)
        let row = try await connection.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency,
                                auto_process_at, cancellable_until)
            VALUES (gen_random_uuid(), \(userID), 'Job', 'job@example.com', 'x', 1, 'USD', now() + interval '1 minute', now())
            RETURNING id, auto_process_at
            """,
            logger: logger)
        let (id, dueAt) = try #require(row.first).decode((UUID, Date).self)
        return (id, dueAt)
    }

    /// A migrated database, a private Redis, its queue and a reconciler over both, for `body`.
    func withReconciler(
        placementsWait: Duration = .seconds(2), _ body: (JobQueue, RedisClient, Database, Reconciler) async throws -> Void
    ) async throws {
        try await withStores { database, redis in
            let redisClient = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: logger)
            let queue = JobQueue(redis: redisClient)
            try await TestStores.withDatabase(url: database) { client in
                let transitions = OrderTransitions(database: client)
                try await body(
                    queue, redisClient, client,
                    Reconciler(transitions: transitions, queue: queue, redis: redisClient, placementsWait: placementsWait))
            }
            await redisClient.shutdown()
        }
    }

    /// In `connection`'s open transaction, an order placed and its move enqueued, then Redis's data
    /// lost: the job gone while the order is still uncommitted.
    func placeAndLoseItsJob(on connection: DatabaseConnection, queue: JobQueue, redis: RedisClient) async throws -> UUID {
        let order = try await insertOrder(on: connection)
        try await queue.enqueue(JobQueue.member(orderID: order.id), dueAt: order.dueAt, logger: logger)
        try await redis.send("FLUSHALL")
        return order.id
    }

    /// A placement schedules its move before its commit, and only then: when Redis loses that job
    /// while the order is uncommitted, the pass that follows waits for the commit and enqueues it.
    @Test func aPassAfterRedisLostAnUncommittedOrdersJobWaitsForItsCommit() async throws {
        try await withReconciler { queue, redisClient, client, reconciler in
            let (pass, orderID) = try await client.transaction(logger: logger) { connection in
                let orderID = try await placeAndLoseItsJob(on: connection, queue: queue, redis: redisClient)
                let pass = Task { try await reconciler.runOnce(logger: logger) }
                try await Task.sleep(for: .milliseconds(300))
                return (pass, orderID)
            }
            let report = try await pass.value
            #expect(report.enqueued == 1, "the pass saw the order committed while it waited")
            let claim = try await queue.claim(worker: "w", limit: 10, lease: .seconds(5), ahead: .seconds(120), logger: logger)
            #expect(claim.jobs.map(\.member) == [JobQueue.member(orderID: orderID)])
            #expect(claim.scheduleIsWhole)
        }
    }

    /// A placement still open when the pass's wait runs out leaves the schedule unmarked: the next
    /// claim asks for another pass, which finds the order once it is committed.
    @Test func aPassLeavesTheScheduleUnmarkedWhenAPlacementOutlastsItsWait() async throws {
        try await withReconciler(placementsWait: .milliseconds(200)) { queue, redisClient, client, reconciler in
            let orderID = try await client.transaction(logger: logger) { connection in
                let orderID = try await placeAndLoseItsJob(on: connection, queue: queue, redis: redisClient)
                let report = try await reconciler.runOnce(logger: logger)
                #expect(report.enqueued == 0)
                let claim = try await queue.claim(worker: "w", limit: 10, lease: .seconds(5), ahead: .seconds(120), logger: logger)
                #expect(claim.jobs.isEmpty)
                #expect(!claim.scheduleIsWhole, "a pass that could not see every order marks nothing")
                return orderID
            }
            #expect(try await reconciler.runOnce(logger: logger).enqueued == 1)
            let claim = try await queue.claim(worker: "w", limit: 10, lease: .seconds(5), ahead: .seconds(120), logger: logger)
            #expect(claim.jobs.map(\.member) == [JobQueue.member(orderID: orderID)])
            #expect(claim.scheduleIsWhole)
        }
    }

    @Test func anOrderCancelledBeforeItsTimeIsNeverAdvanced() async throws {
        try await withStores { database, redis in
            let ids = try await makeOrders(20, dueIn: 0.5...0.5, database: database, redis: redis.url)
            // Cancelled in the database while its job stays queued: the state a cancel racing a
            // worker's claim leaves behind. The worker's conditional update must skip them.
            try await TestStores.withDatabase(url: database) { client in
                let orders = PostgresOrderRepository(database: client)
                for id in ids {
                    _ = try await orders.apply(
                        Transition(to: .cancelled, from: [.pending], actorID: nil, actorRole: nil), to: id, logger: logger)
                }
            }
            let queue = JobQueue(redis: RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: logger))
            #expect(try await queue.depth(logger: logger).scheduled == 20)
            let drained = try await runWorkers(2, database: database, redis: redis.url, limit: .seconds(5)) { _ in
                let depth = try await queue.depth(logger: TestStores.logger)
                return depth.scheduled == 0 && depth.inFlight == 0
            }
            #expect(drained != nil, "the workers took and finished every job")
            try await TestStores.withDatabase(url: database) { (client) async throws -> Void in
                #expect(try await Self.count(client, "SELECT count(*) FROM orders WHERE status = 'cancelled'") == 20)
                #expect(
                    try await Self.count(client, "SELECT count(*) FROM order_events WHERE kind = 'transition' AND to_status = 'processing'")
                        == 0)
            }
        }
    }
}
