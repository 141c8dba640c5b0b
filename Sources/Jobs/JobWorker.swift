import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Store

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
        var maxSleep: Duration = .seconds(1)
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
    private let done = JobCounter()
    private let metrics = JobMetrics()

    init(options: Options, redis: RedisClient, transitions: OrderTransitions, logger: Logger) {
        let host = Self.machineName()
        self.host = host
        self.id = "\(host)-\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
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
        return String(cString: buffer)
    }

    // MARK: Claiming

    private func claimLoop() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await redis.withDedicatedConnection { wake in
                    // Closing the wake-up connection ends a blocking pop at once on SIGTERM.
                    try await withGracefulShutdownHandler {
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        let claim = try await self.queue.claim(worker: self.id, limit: self.options.concurrency, lease: self.options.lease, logger: self.logger)
                        if !claim.jobs.isEmpty {
                            await self.process(claim.jobs)
                            continue
                        }
                        // Nothing due: sleep until the next due time, or until woken by an earlier job.
                        // Redis times blocking pops to its `hz` tick (100 ms by default), so the
                        // last stretch before a due time is slept locally, to the millisecond.
                        let untilNext = claim.nextDue.map { $0.timeIntervalSince(claim.serverNow) } ?? .infinity
                        let block = min(untilNext - Self.preciseWindow, Double(self.options.maxSleep.components.seconds))
                        if block > 0.01 {
                            _ = try await wake.send(
                                RedisCommand("BLPOP", JobQueue.wakeKey, String(format: "%.3f", block)),
                                timeout: .milliseconds(Int64(block * 1000) + 2000)
                            )
                        } else {
                            try await Task.sleep(for: .milliseconds(Int64(max(1, untilNext * 1000))))
                        }
                    }
                    } onGracefulShutdown: {
                        wake.closeSoon()
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                // Redis is away: wait a little and reconnect; Postgres keeps the truth meanwhile.
                logger.warning("claim loop error; retrying", metadata: Logger.Metadata.describing(error))
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Applies a batch, extending its leases while the database works, then acks it.
    private func process(_ jobs: [ClaimedJob]) async {
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
            let outcome = try await transitions.processDue(ids, reason: "auto-processed", logger: logger)
            let appliedAt = Date()
            for job in jobs {
                guard let orderID = job.orderID else { continue }
                if outcome.moved.contains(orderID) {
                    metrics.applied.increment()
                    metrics.lateness.recordNanoseconds(Int64(max(0, appliedAt.timeIntervalSince(job.dueAt)) * 1_000_000_000))
                } else if outcome.notYetDue[orderID] == nil {
                    metrics.noop.increment()
                }
            }
            _ = try await queue.ack(jobs, logger: logger)
            for (orderID, due) in outcome.notYetDue {
                try await queue.enqueue(JobQueue.member(orderID: orderID), dueAt: due, logger: logger)
            }
            done.add(jobs.count)
        } catch {
            logger.error("applying a batch failed; retrying its jobs", metadata: Logger.Metadata.describing(error, ["job.count": "\(jobs.count)"]))
            for job in jobs {
                let outcome = try? await queue.retry(job, after: Self.backoff(attempt: job.attempts), error: "apply failed", maxAttempts: options.maxAttempts, logger: logger)
                if outcome == .dead { metrics.dead.increment() } else { metrics.retried.increment() }
            }
        }
    }

    /// How long before a due time a worker stops blocking in Redis and sleeps locally instead.
    static let preciseWindow = 0.15

    /// Exponential backoff with full jitter: up to 200 ms × 2^(attempt−1), at most 30 s.
    static func backoff(attempt: Int) -> Duration {
        let ceiling = min(30_000.0, 200.0 * pow(2.0, Double(max(0, attempt - 1))))
        return .milliseconds(Int64(Double.random(in: ceiling / 2...ceiling)))
    }

    // MARK: Alongside

    private func heartbeat() async throws {
        try await registry.beat(
            .init(id: id, host: host, pid: Int(getpid()), startedAt: startedAt, lastSeenAt: Date(), jobsDone: done.value),
            ttl: .seconds(10), logger: logger
        )
        let depth = try await queue.depth(logger: logger)
        metrics.record(depth)
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
