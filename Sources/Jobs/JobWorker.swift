import Foundation
import Logging
import Metrics
import ProcessSupport
import Redis
import ServiceLifecycle
import Store
import StoreClients
import Synchronization

/// Claims due transition jobs and applies them to Postgres in batches, until graceful shutdown.
///
/// Sleeps until the next due time or until an earlier job is enqueued (a blocking pop on the
/// wake-up list, at most `maxSleep`), so a job is applied within milliseconds of its due time
/// without polling. Alongside: heartbeats, lease reaping, and the cluster-wide reconciler.
final class JobWorker: Service, Sendable {
    struct Options: Sendable {
        var concurrency: Int
        var lease: Duration
        var maxAttempts: Int
        var reconcileInterval: Duration
        /// The longest a claim loop blocks between checks (of the schedule's epoch, of shutdown).
        var maxSleep: Duration = .milliseconds(500)
        /// `host:port` of this worker instance, when its port is fixed: a process that finds its
        /// predecessor's jobs still leased hands them back at once (see ``releaseAbandoned()``).
        var instance: String?
        /// A batch that has not finished by then is handed back (its store is not answering).
        var batchTimeout: Duration = .seconds(1)
    }

    let id: String
    /// The machine's name, read once: Foundation's `hostName` may resolve names on every call.
    let host: String
    let options: Options
    let redis: RedisClient
    let queue: JobQueue
    let transitions: OrderTransitions
    let reconciler: Reconciler
    let registry: WorkerRegistry
    let logger: Logger
    let startedAt = Date()
    /// Set once this process's HTTP server listens on its port.
    let listening = Mutex(false)
    private let done = JobCounter()
    private let metrics = JobMetrics()

    init(options: Options, redis: RedisClient, transitions: OrderTransitions, logger: Logger) {
        let host = Self.machineName()
        self.host = host
        self.id = "\(options.instance ?? host)/\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
        self.options = options
        self.redis = redis
        self.queue = JobQueue(redis: redis)
        self.transitions = transitions
        self.reconciler = Reconciler(transitions: transitions, queue: queue, redis: redis)
        self.registry = WorkerRegistry(redis: redis)
        var logger = logger
        logger[metadataKey: "worker.id"] = "\(id)"
        self.logger = logger
    }

    func run() async throws {
        logger.info("worker started", metadata: ["worker.concurrency": "\(options.concurrency)"])
        await withDiscardingTaskGroup { group in
            group.addTask { await self.every(.seconds(2)) { try await self.heartbeat() } }
            group.addTask { await self.every(.seconds(1)) { try await self.reap() } }
            group.addTask { await self.every(self.options.reconcileInterval) { try await self.reconcile() } }
            group.addTask { await self.releaseAbandoned() }
            await self.claimLoop()
            group.cancelAll()
        }
        try? await registry.remove(id: id, logger: logger)
        logger.info("worker stopped", metadata: ["worker.jobs_done": "\(done.value)"])
    }

    /// `gethostname(2)`: the kernel's name for this machine, without a resolver round trip.
    static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Claiming

    /// Whether Redis failed since the last claim that worked (so the next one means it is back).
    private let redisWasAway = Mutex(false)

    private func claimLoop() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await redis.withDedicatedConnection { wake in
                    // Closing the wake-up connection ends a blocking pop at once on SIGTERM.
                    try await withGracefulShutdownHandler {
                        while !Task.isShuttingDownGracefully && !Task.isCancelled {
                            let claim = try await self.queue.claim(
                                worker: self.id, limit: self.options.concurrency, lease: self.options.lease, logger: self.logger)
                            // Redis is back after an outage, or lost the schedule: the orders that
                            // fell due meanwhile move now, not at the reconciler's next interval.
                            let cameBack = self.redisWasAway.withLock { away in
                                defer { away = false }
                                return away
                            }
                            if cameBack || !claim.scheduleIsWhole {
                                self.reconcileSoon(reason: cameBack ? "redis came back" : "schedule lost")
                            }
                            if !claim.jobs.isEmpty {
                                if await !self.process(claim.jobs) {
                                    // The database is not answering: give it a moment, not a hot loop.
                                    try await Task.sleep(for: .milliseconds(200))
                                }
                                continue
                            }
                            // Nothing due: sleep until the next due time, or until woken by an earlier job.
                            // Redis times blocking pops to its `hz` tick (100 ms by default), so the
                            // last stretch before a due time is slept locally, to the millisecond.
                            let maxSleep = Self.seconds(self.options.maxSleep)
                            let untilNext = claim.nextDue.map { $0.timeIntervalSince(claim.serverNow) } ?? maxSleep + Self.preciseWindow
                            let block = min(untilNext - Self.preciseWindow, maxSleep)
                            if block > 0.01 {
                                try await self.queue.waitForWake(on: wake, seconds: block)
                            } else {
                                try await Task.sleep(for: .milliseconds(Int64(min(max(1, untilNext * 1000), 1000))))
                            }
                        }
                    } onGracefulShutdown: {
                        wake.closeSoon()
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                // Redis is away: wait a little and reconnect; Postgres keeps the truth meanwhile.
                redisWasAway.withLock { $0 = true }
                logger.warning("claim loop error; retrying", metadata: Logger.Metadata.describing(error))
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Whether this process runs an urgent pass right now.
    private let reconciling = Mutex(false)

    /// Starts an urgent reconciler pass beside the claim loop (whose claimed jobs must not wait
    /// for it), unless this process runs one already.
    private func reconcileSoon(reason: String) {
        let start = reconciling.withLock { running in
            defer { running = true }
            return !running
        }
        guard start else { return }
        Task {
            await reconcileNow(reason: reason)
            reconciling.withLock { $0 = false }
        }
    }

    /// An urgent reconciler pass (one at a time cluster-wide); a failure is logged, and the next
    /// claim that finds the schedule still incomplete tries again.
    private func reconcileNow(reason: String) async {
        do {
            if let report = try await reconciler.runUrgently(owner: id, logger: logger) {
                logger.notice(
                    "reconciled at once",
                    metadata: [
                        "reconcile.reason": "\(reason)", "reconcile.updated": "\(report.updated)",
                        "reconcile.enqueued": "\(report.enqueued)",
                    ])
            }
        } catch {
            logger.warning("urgent reconcile failed", metadata: Logger.Metadata.describing(error, ["reconcile.reason": "\(reason)"]))
        }
    }

    /// Applies a batch, extending its leases while the database works, then acks it. Returns
    /// false when the database could not be reached (the jobs were handed back as they were).
    private func process(_ jobs: [ClaimedJob]) async -> Bool {
        metrics.claimed.increment(by: jobs.count)
        let extender = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: options.lease / 3)
                try await queue.extend(jobs, lease: options.lease, logger: logger)
            }
        }
        defer { extender.cancel() }
        let ids = jobs.compactMap(\.orderID)
        do {
            let outcome = try await Deadline.race(options.batchTimeout) { [transitions, logger] in
                try await transitions.processDue(ids, reason: "auto-processed", logger: logger)
            }
            let appliedAt = Date()
            for job in jobs {
                guard let orderID = job.orderID else { continue }
                if outcome.moved.contains(orderID) {
                    metrics.applied.increment()
                    metrics.lateness.recordElapsed(since: job.dueAt, now: appliedAt)
                } else if outcome.notYetDue[orderID] == nil {
                    metrics.noop.increment()
                }
            }
            _ = try await queue.ack(jobs, logger: logger)
            for (orderID, due) in outcome.notYetDue {
                try await queue.enqueue(JobQueue.member(orderID: orderID), dueAt: due, logger: logger)
            }
            // A job is enqueued just before its order's commit: an order not there yet is looked
            // for again shortly, for a while; after that it never committed, and its job is done.
            for job in jobs {
                guard let orderID = job.orderID, outcome.missing.contains(orderID), appliedAt.timeIntervalSince(job.dueAt) < 10 else {
                    continue
                }
                try await queue.enqueue(job.member, dueAt: appliedAt.addingTimeInterval(0.2), logger: logger)
            }
            done.add(jobs.count)
            return true
        } catch  where StoreFailure(error)?.kind == .transient {
            // An outage is not the jobs' fault: they go back due as they were, attempts not
            // counted, and apply the moment the database answers again (not after a backoff).
            logger.warning(
                "database unavailable; handing the batch back", metadata: Logger.Metadata.describing(error, ["job.count": "\(jobs.count)"]))
            try? await queue.release(jobs, logger: logger)
            metrics.released.increment(by: jobs.count)
            return false
        } catch {
            logger.error(
                "applying a batch failed; retrying its jobs", metadata: Logger.Metadata.describing(error, ["job.count": "\(jobs.count)"]))
            for job in jobs {
                let outcome = try? await queue.retry(
                    job, after: Self.backoff(attempt: job.attempts), error: "apply failed", maxAttempts: options.maxAttempts, logger: logger
                )
                if outcome == .dead { metrics.dead.increment() } else { metrics.retried.increment() }
            }
            return true
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// How long before a due time a worker stops blocking in Redis and sleeps locally instead.
    static let preciseWindow = 0.15

    /// Exponential backoff with full jitter: up to 200 ms × 2^(attempt−1), at most 30 s.
    static func backoff(attempt: Int) -> Duration {
        let ceiling = min(30_000.0, 200.0 * pow(2.0, Double(max(0, attempt - 1))))
        return .milliseconds(Int64(Double.random(in: ceiling / 2...ceiling)))
    }

    // MARK: Alongside

    /// Once this process listens on its instance's port (so no earlier process of the instance
    /// still runs on this host), hands back the jobs an earlier one left leased when it died.
    private func releaseAbandoned() async {
        guard let instance = options.instance else { return }
        // Polled (at start only), so a worker whose server never starts still stops at once.
        while !listening.withLock({ $0 }) {
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        do {
            let released = try await queue.releaseAbandoned(ownerPrefix: instance + "/", currentOwner: id, logger: logger)
            if released > 0 {
                logger.notice("handed back jobs an earlier process of this worker left leased", metadata: ["job.count": "\(released)"])
            }
        } catch {
            logger.warning(
                "could not hand back an earlier process's jobs; their leases will run out", metadata: Logger.Metadata.describing(error))
        }
    }

    private func heartbeat() async throws {
        try await registry.beat(
            .init(id: id, host: host, pid: Int(getpid()), startedAt: startedAt, lastSeenAt: Date(), jobsDone: done.value),
            ttl: .seconds(10), logger: logger
        )
        let depth = try await queue.depth(logger: logger)
        metrics.record(depth)
        try await queue.recordHistory(lagMilliseconds: depth.oldestDueLagMilliseconds, logger: logger)
    }

    private func reap() async throws {
        let (recovered, dead) = try await queue.reap(maxAttempts: options.maxAttempts, logger: logger)
        if recovered > 0 {
            metrics.recovered.increment(by: recovered)
            logger.notice("recovered jobs whose lease expired", metadata: ["job.count": "\(recovered)"])
        }
        if dead > 0 { metrics.dead.increment(by: dead) }
    }

    private func reconcile() async throws {
        guard try await reconciler.lead(owner: id, interval: options.reconcileInterval, logger: logger) else { return }
        _ = try await reconciler.runOnce(logger: logger)
    }

    /// Runs `body` every `interval` until shutdown; an error is logged and the next round comes.
    private func every(_ interval: Duration, _ body: @escaping @Sendable () async throws -> Void) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await body()
                } catch {
                    self.logger.warning("background task failed", metadata: Logger.Metadata.describing(error))
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
