import Foundation
import Logging
import NIOPosix
import ProcessSupport
import Redis
import ServiceLifecycle
import Store
import Synchronization

/// Claims the due jobs of one kind and runs them through its handler, until graceful shutdown.
///
/// Sleeps until the next due time of any partition or until a partition gets an earlier job (a
/// blocking pop on the kind's wake-ups, at most `maxSleep`), so a job runs within milliseconds
/// of its due time without polling; a claim asks only the partitions with work due
/// (``ClaimCursor``).
final class JobKindRunner: Sendable {
    let handler: any JobHandler
    let queue: JobQueue
    let redis: RedisClient
    /// Where its claim loop and batches run: a lane's thread, or Swift's shared pool (nil).
    let executor: EventLoopTaskExecutor?
    /// Shared by the worker's runners: a punctual kind reports its lateness, the others give way.
    let giveWay: GiveWay?
    let workerID: String
    let maxSleep: Duration
    let logger: Logger
    let metrics: JobMetrics
    /// Jobs finished by this runner (the worker's heartbeat reports the sum).
    let done = JobCounter()
    /// Jobs claimed and not yet finished, when batches overlap.
    private let running = Mutex(0)
    /// Whether Redis failed since the last claim that worked (so the next one means it is back).
    private let redisWasAway = Mutex(false)
    /// Whether this process runs an urgent reconcile of this kind right now.
    private let reconciling = Mutex(false)
    /// Batches claimed ahead that have not started yet, by due time in ms: later claims' jobs
    /// due at the same time join them.
    private let waiting = Mutex<[Int: [ClaimedJob]]>([:])
    /// Until when claiming pauses: an overlapping batch found its store away, and claiming the
    /// jobs it handed back at once would only hand them back again.
    private let pausedUntil = Mutex<ContinuousClock.Instant?>(nil)

    var kind: JobKind { handler.kind }
    var policy: JobPolicy { handler.policy }

    init(
        handler: any JobHandler, redis: RedisClient, executor: EventLoopTaskExecutor? = nil, giveWay: GiveWay? = nil,
        workerID: String, maxSleep: Duration, logger: Logger
    ) {
        self.handler = handler
        self.queue = JobQueue(redis: redis, kind: handler.kind)
        self.redis = redis
        self.executor = executor
        self.giveWay = giveWay
        self.workerID = workerID
        self.maxSleep = maxSleep
        var logger = logger
        logger[metadataKey: "job.kind"] = "\(handler.kind.rawValue)"
        self.logger = logger
        self.metrics = JobMetrics(kind: handler.kind)
    }

    // MARK: Claiming

    func claimLoop() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await redis.withDedicatedConnection(for: queue.keys.wakeups) { wake in
                    // Closing the wake-up connection ends a blocking pop at once on SIGTERM.
                    try await withGracefulShutdownHandler {
                        try await self.claimUntilShutdown(wake: wake)
                    } onGracefulShutdown: {
                        wake.closeSoon()
                    }
                }
            } catch let error as RedisError where error.isRedirect {
                // The wake-ups' slot moved to another node (a resharding): wait there, at once.
                logger.debug("wake-ups moved to another node", metadata: error.logMetadata)
                // Bounded: the client reads the slot map again at most every 100 ms.
                try? await Task.sleep(for: .milliseconds(10))
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                // Redis is away: wait a little and reconnect; Postgres keeps the truth meanwhile.
                redisWasAway.withLock { $0 = true }
                logger.warning("claim loop error; retrying", metadata: Logger.Metadata.describing(error))
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        // Overlapping batches still running finish first (each within the kind's timeout).
        let deadline = ContinuousClock.now + policy.timeout + .seconds(1)
        while running.withLock({ $0 }) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func claimUntilShutdown(wake: RedisConnection) async throws {
        var busySince: ContinuousClock.Instant?
        // When this loop last claimed work, and when it last warmed its handler up.
        var lastWorkAt: ContinuousClock.Instant?
        var warmedAt: ContinuousClock.Instant?
        let ahead = policy.overlapping ? policy.claimAhead : .zero
        // What this loop knows of the kind's partitions: a claim asks only those with work due.
        var cursor = ClaimCursor(partitions: queue.keys.partitions)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let running = running.withLock { $0 }
            let concurrency = policy.punctual ? policy.concurrency : giveWay?.allowance(of: policy.concurrency) ?? policy.concurrency
            let free = concurrency - running
            if running >= policy.concurrency {
                // Every slot is busy with a slow batch: look again shortly (and say so when it lasts).
                let since = busySince ?? .now
                busySince = since
                if ContinuousClock.now - since > .seconds(20) {
                    logger.warning(
                        "every slot busy for 20 s",
                        metadata: ["job.running": "\(running)", "job.timeout": "\(policy.timeout)"])
                    busySince = .now
                }
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            busySince = nil
            if free <= 0 {
                // Giving way to a punctual kind running late.
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            if let until = pausedUntil.withLock({ $0 }), until > .now {
                try await Task.sleep(until: until)
                continue
            }
            let claim = try await queue.claim(
                worker: workerID, limit: free, lease: policy.lease, ahead: ahead, cursor: &cursor, logger: logger)
            // Redis is back after an outage, or lost the schedule: what fell due meanwhile runs
            // now, not at the reconciler's next interval.
            let cameBack = redisWasAway.withLock { away in
                defer { away = false }
                return away
            }
            if cameBack || !claim.scheduleIsWhole {
                reconcileSoon(reason: cameBack ? "redis came back" : "schedule lost")
            }
            if !claim.jobs.isEmpty {
                lastWorkAt = .now
                if policy.overlapping {
                    // Not children of the loop: the loop must claim again while these wait on their peers.
                    for batch in Self.batches(claim.jobs, now: Date()) { start(batch.jobs, at: batch.startAt) }
                } else if await !process(claim.jobs) {
                    // The database is not answering: give it a moment, not a hot loop.
                    try await Task.sleep(for: .milliseconds(200))
                }
                // A full claim may have left due jobs behind; a partial one took every job due by
                // its horizon, and its next due time is the one after them.
                if claim.jobs.count >= free || !policy.overlapping { continue }
            }
            // Nothing more due: sleep until the next due time comes within the horizon, or until
            // woken by an earlier job. Redis times blocking pops to its `hz` tick (100 ms by
            // default), so the last stretch before a due time is slept locally, to the millisecond.
            let maxSleep = JobWorker.seconds(self.maxSleep)
            let untilNext =
                claim.nextDue.map { $0.timeIntervalSince(claim.serverNow) - JobWorker.seconds(ahead) } ?? maxSleep + Self.preciseWindow
            if untilNext < Self.warmWindow, lastWorkAt.map({ .now - $0 > Self.quietStretch }) ?? true,
                warmedAt.map({ .now - $0 > Self.quietStretch }) ?? true
            {
                // Orders fall due after a quiet stretch, in which the pool closed its idle connections.
                warmedAt = .now
                Task(executorPreference: executor) { [self] in await handler.warm(logger: logger) }
            }
            let block = min(untilNext - Self.preciseWindow, maxSleep)
            if block > 0.01 {
                try await queue.waitForWake(on: wake, seconds: block, cursor: &cursor)
            } else {
                try await Task.sleep(for: .milliseconds(Int64(min(max(1, untilNext * 1000), 1000))))
            }
        }
    }

    /// How soon before the next due time after a quiet stretch the handler warms up.
    static let warmWindow = 2.0
    /// How long without work counts as quiet: the pool has closed its idle connections by then.
    static let quietStretch = Duration.seconds(10)

    /// The claimed jobs in batches: those due by `now` at once, the others (claimed ahead) by due
    /// time, each batch to start at its due time by this machine's clock. Redis's due times are
    /// whole milliseconds rounded up, so a batch never starts before its orders are due.
    static func batches(_ jobs: [ClaimedJob], now: Date) -> [(startAt: ContinuousClock.Instant?, jobs: [ClaimedJob])] {
        let dueNow = jobs.filter { $0.dueAt <= now }
        let later = Dictionary(grouping: jobs.filter { $0.dueAt > now }, by: \.dueAt).sorted { $0.key < $1.key }
        let clock = ContinuousClock.now
        return (dueNow.isEmpty ? [] : [(nil, dueNow)])
            + later.map { due, jobs in (clock + .milliseconds(Int64((due.timeIntervalSince(now) * 1000).rounded(.up))), jobs) }
    }

    /// How long before a batch claimed ahead must start its handler is called with it, to get
    /// ready (a transition begins its transaction, and its move then goes out on time).
    static let readyLead = Duration.milliseconds(20)

    /// Runs a batch beside the claim loop, from `startAt` when it was claimed ahead. Jobs due
    /// at the same millisecond as a batch still waiting to start join it, whichever claim took
    /// them (claims across partitions take a few jobs of each): one batch, one transaction.
    private func start(_ jobs: [ClaimedJob], at startAt: ContinuousClock.Instant?) {
        running.withLock { $0 += jobs.count }
        let due = jobs.first.map { JobQueue.milliseconds($0.dueAt) }
        if startAt != nil, let due {
            let joined = waiting.withLock { waiting in
                defer { waiting[due, default: []] += jobs }
                return waiting[due] != nil
            }
            if joined { return }
        }
        // On the kind's lane if it has one: an unstructured task does not inherit the loop's.
        Task(executorPreference: executor) { [self] in
            var batch = jobs
            if let startAt, let due {
                try? await Task.sleep(until: startAt - Self.readyLead, clock: .continuous)
                batch = waiting.withLock { $0.removeValue(forKey: due) } ?? jobs
            }
            await self.process(batch, startingAt: startAt)
            self.running.withLock { $0 -= batch.count }
        }
    }

    /// How long before a due time a worker stops blocking in Redis and sleeps locally instead.
    static let preciseWindow = 0.15

    /// Starts an urgent reconciler pass beside the claim loop (whose claimed jobs must not wait
    /// for it), unless this process runs one already.
    private func reconcileSoon(reason: String) {
        let start = reconciling.withLock { running in
            defer { running = true }
            return !running
        }
        guard start else { return }
        Task {
            // Bounded: a pass stuck on a silent store must not keep every later one from starting.
            _ = try? await Deadline.race(.seconds(60)) { [handler, workerID, logger] in
                await handler.reconcileUrgently(owner: workerID, reason: reason, logger: logger)
            }
            reconciling.withLock { $0 = false }
        }
    }

    // MARK: Running a batch

    /// Runs a batch through the handler, extending its leases meanwhile, and settles each job by
    /// its outcome. Returns false when the batch's store did not answer (handed back as it was).
    @discardableResult
    private func process(_ jobs: [ClaimedJob], startingAt start: ContinuousClock.Instant? = nil) async -> Bool {
        metrics.claimed.increment(by: jobs.count)
        // One failed extension must not end the extending: a lease that lapses while its job
        // still runs lets another worker run the job too (a second email or webhook).
        let extender = Task(executorPreference: executor) { [self] in
            while !Task.isCancelled {
                try await Task.sleep(for: policy.lease / 3)
                do {
                    try await queue.extend(jobs, lease: policy.lease, logger: logger)
                } catch {
                    logger.warning("could not extend a batch's leases", metadata: Logger.Metadata.describing(error))
                }
            }
        }
        defer { extender.cancel() }
        let outcomes: [JobOutcome]
        do {
            outcomes = try await Deadline.race(policy.timeout, executor: executor) { [handler, logger] in
                await handler.process(jobs, startingAt: start, logger: logger)
            }
        } catch {
            // A store that neither answers nor fails (gone silent; docs/postgres-nio-pool-restart.md)
            // must not hold these jobs for ever while the extender keeps their leases:
            // they go back to the queue, for this or another worker.
            logger.warning(
                "batch exceeded its kind's timeout; handed back",
                metadata: ["job.kind": "\(handler.kind.rawValue)", "job.count": "\(jobs.count)", "job.timeout": "\(policy.timeout)"])
            outcomes = Array(repeating: .unavailable, count: jobs.count)
        }
        let settledAt = Date()
        // Said when it happens, not after: a settle that never ends would never say so.
        let watchdog = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .seconds(10)) { [logger] in
            logger.warning("settling a batch takes over 10 s", metadata: ["job.count": "\(jobs.count)"])
        }
        defer { watchdog.cancel() }
        var finished: [ClaimedJob] = []
        var later: [(ClaimedJob, Date)] = []
        var unavailable: [ClaimedJob] = []
        var failed: [(ClaimedJob, String, Duration?)] = []
        var failedForGood: [(ClaimedJob, String)] = []
        var earliestDue: Date?
        for (job, outcome) in zip(jobs, outcomes) {
            switch outcome {
            case .applied:
                metrics.applied.increment()
                metrics.lateness.recordElapsed(since: job.dueAt, now: settledAt)
                earliestDue = min(earliestDue ?? job.dueAt, job.dueAt)
                finished.append(job)
            case .noop:
                metrics.noop.increment()
                finished.append(job)
            case .later(let due): later.append((job, due))
            case .failed(let error, let retryAfter): failed.append((job, error, retryAfter))
            case .dead(let error): failedForGood.append((job, error))
            case .unavailable: unavailable.append(job)
            }
        }
        if policy.punctual, let giveWay, let earliestDue {
            giveWay.settled(lateness: .milliseconds(Int64(settledAt.timeIntervalSince(earliestDue) * 1000)))
        }
        do {
            _ = try await queue.ack(finished, logger: logger)
            done.add(finished.count)
            _ = try await queue.reschedule(later, logger: logger)
        } catch {
            // Their leases run out and the reaper hands them back: each runs again, in effect once.
            logger.warning("could not settle a batch", metadata: Logger.Metadata.describing(error, ["job.count": "\(jobs.count)"]))
        }
        if !unavailable.isEmpty {
            // The store is not answering: claiming pauses a moment, not a hot loop of claims and
            // hand-backs (paused before the hand-back, which the claim loop could otherwise take).
            pausedUntil.withLock { $0 = .now + .milliseconds(200) }
            // An outage is not the jobs' fault: they go back due as they were, attempts not
            // counted, and run the moment their store answers again (not after a backoff).
            try? await queue.release(unavailable, logger: logger)
            metrics.released.increment(by: unavailable.count)
        }
        for (job, error, retryAfter) in failed {
            let wait = retryAfter.map { max($0, policy.backoff(job.attempts)) } ?? policy.backoff(job.attempts)
            let outcome = try? await queue.retry(
                job, after: wait, error: error, maxAttempts: policy.maxAttempts, maxAge: policy.maxAge, logger: logger)
            if outcome == .dead { metrics.dead.increment() } else { metrics.retried.increment() }
        }
        for (job, error) in failedForGood {
            _ = try? await queue.retry(job, after: .zero, error: error, maxAttempts: 0, logger: logger)
            metrics.dead.increment()
        }
        return unavailable.isEmpty
    }

    // MARK: Alongside

    /// Returns expired leases of this kind to its schedule.
    func reap() async throws {
        let (recovered, dead) = try await queue.reap(maxAttempts: policy.maxAttempts, logger: logger)
        if recovered > 0 {
            metrics.recovered.increment(by: recovered)
            logger.notice("recovered jobs whose lease expired", metadata: ["job.count": "\(recovered)"])
        }
        if dead > 0 { metrics.dead.increment(by: dead) }
    }

    /// Hands back the jobs of this kind an earlier process of this worker instance left leased.
    func releaseAbandoned(instance: String) async {
        do {
            let released = try await queue.releaseAbandoned(ownerPrefix: instance + "/", currentOwner: workerID, logger: logger)
            if released > 0 {
                logger.notice("handed back jobs an earlier process of this worker left leased", metadata: ["job.count": "\(released)"])
            }
        } catch {
            logger.warning(
                "could not hand back an earlier process's jobs; their leases will run out", metadata: Logger.Metadata.describing(error))
        }
    }

    /// Records this kind's depth in the gauges and its history for the operations page.
    func recordDepth() async throws {
        let depth = try await queue.depth(logger: logger)
        metrics.record(depth)
        try await queue.recordHistory(lagMilliseconds: depth.oldestDueLagMilliseconds, logger: logger)
    }
}
