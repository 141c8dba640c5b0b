import Foundation
import Logging
import Redis
import Store
import TestSupport
import Testing

/// The queue's Lua scripts against a Redis server of each test's own, or, in `make
/// test-cluster` (`CLUSTER_TESTS=1`), a Redis Cluster of each test's own.
@Suite("Job queue scripts", .timeLimit(.minutes(2)))
struct JobQueueTests {
    let logger = TestStores.logger

    // MARK: Helpers

    func withQueue(_ body: (JobQueue, RedisClient) async throws -> Void) async throws {
        if ProcessInfo.processInfo.environment["CLUSTER_TESTS"] == "1" {
            try await PrivateRedisCluster.with { cluster in
                var configuration = RedisConfiguration()
                configuration.clusterNodes = cluster.endpoints
                let redis = RedisClient(configuration: configuration, logger: logger)
                do {
                    try await body(JobQueue(redis: redis), redis)
                } catch {
                    await redis.shutdown()
                    throw error
                }
                await redis.shutdown()
            }
            return
        }
        let server = try PrivateRedisServer()
        try await server.start()
        let redis = RedisClient(configuration: try RedisConfiguration(url: server.url), logger: logger)
        do {
            try await body(JobQueue(redis: redis), redis)
        } catch {
            await redis.shutdown()
            await server.stop()
            throw error
        }
        await redis.shutdown()
        await server.stop()
    }

    func member() -> String { JobQueue.member(orderID: UUID()) }

    /// An order's move that falls in `partition` of `queue`.
    func member(inPartition partition: Int, of queue: JobQueue) -> String {
        while true {
            let candidate = member()
            if queue.keys.partition(of: candidate).index == partition { return candidate }
        }
    }

    /// The due time the wake-ups hold for `partition`, nil when none.
    func wakeup(of partition: Int, in queue: JobQueue, _ redis: RedisClient) async throws -> Int? {
        try await redis.send("ZSCORE", queue.keys.wakeups, partition).string.flatMap(Double.init).map(Int.init)
    }

    /// A due time a claim takes at once: a job due "now" is scheduled at the next whole
    /// millisecond, and a claim within the same millisecond would not take it yet.
    static func justDue() -> Date { Date().addingTimeInterval(-0.01) }

    /// A due time as the queue keeps it: whole milliseconds, rounded up.
    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded(.up)) }

    // MARK: Tests

    /// A claim ahead takes the jobs due within its horizon, each with its due time, and reports
    /// the next one past it; nothing beyond the horizon is taken.
    @Test func aClaimAheadTakesJobsDueWithinItsHorizonOnly() async throws {
        try await withQueue { queue, _ in
            let (soon, later) = (member(), member())
            let soonDue = Date().addingTimeInterval(20)
            try await queue.enqueue(soon, dueAt: soonDue, logger: logger)
            try await queue.enqueue(later, dueAt: Date().addingTimeInterval(60), logger: logger)
            #expect(try await queue.claim(worker: "a", limit: 10, lease: .seconds(5), logger: logger).jobs.isEmpty)

            let claim = try await queue.claim(worker: "a", limit: 10, lease: .seconds(5), ahead: .seconds(30), logger: logger)
            #expect(claim.jobs.map(\.member) == [soon])
            #expect(abs(try #require(claim.jobs.first).dueAt.timeIntervalSince(soonDue)) < 0.002)
            let wait = try #require(claim.nextDue).timeIntervalSince(claim.serverNow)
            #expect(wait > 55 && wait <= 60)
            let depth = try await queue.depth(logger: logger)
            #expect(depth.inFlight == 1 && depth.scheduled == 1)
        }
    }

    @Test func claimsOnlyDueJobsUpToTheBatchLimit() async throws {
        try await withQueue { queue, _ in
            let due = (0..<3).map { _ in member() }
            for job in due { #expect(try await queue.enqueue(job, dueAt: Date().addingTimeInterval(-1), logger: logger)) }
            let later = member()
            try await queue.enqueue(later, dueAt: Date().addingTimeInterval(60), logger: logger)
            #expect(try await !queue.enqueue(due[0], dueAt: Date(), logger: logger), "enqueue is idempotent")

            let first = try await queue.claim(worker: "a", limit: 2, lease: .seconds(5), logger: logger)
            #expect(first.jobs.count == 2)
            let second = try await queue.claim(worker: "a", limit: 2, lease: .seconds(5), logger: logger)
            #expect(second.jobs.count == 1)
            #expect(Set((first.jobs + second.jobs).map(\.member)) == Set(due))
            let third = try await queue.claim(worker: "a", limit: 2, lease: .seconds(5), logger: logger)
            #expect(third.jobs.isEmpty)
            let wait = try #require(third.nextDue).timeIntervalSince(third.serverNow)
            #expect(wait > 55 && wait <= 60)
            #expect(try await !queue.enqueue(due[0], dueAt: Date(), logger: logger), "a job in flight is not scheduled again")
            let depth = try await queue.depth(logger: logger)
            #expect(depth.inFlight == 3 && depth.scheduled == 1 && depth.due == 0)
        }
    }

    /// A worker instance restarted on its port hands back what its earlier process left leased,
    /// and nothing of its own or of another instance; the attempts those jobs lost are not counted.
    @Test func anEarlierProcessesLeasesAreHandedBackByItsSuccessor() async throws {
        try await withQueue { queue, _ in
            let jobs = (0..<5).map { _ in member() }
            for job in jobs { try await queue.enqueue(job, dueAt: Self.justDue(), logger: logger) }
            let owners = ["host:9100/1-old", "host:9100/1-old", "host:9100/1-old", "host:9100/2-new", "other:9100/3-any"]
            var claimed: [String: String] = [:]
            for owner in owners {
                let job = try #require(try await queue.claim(worker: owner, limit: 1, lease: .seconds(60), logger: logger).jobs.first)
                claimed[job.member] = owner
            }
            let released = try await queue.releaseAbandoned(ownerPrefix: "host:9100/", currentOwner: "host:9100/2-new", logger: logger)
            #expect(released == 3)
            let depth = try await queue.depth(logger: logger)
            #expect(depth.inFlight == 2 && depth.scheduled == 3)
            let again = try await queue.claim(worker: "host:9100/2-new", limit: 10, lease: .seconds(60), logger: logger).jobs
            #expect(Set(again.map(\.member)) == Set(claimed.filter { $0.value == "host:9100/1-old" }.keys))
            #expect(again.allSatisfy { $0.attempts == 1 }, "the abandoned attempt is not counted")
            #expect(try await queue.releaseAbandoned(ownerPrefix: "host:9100/", currentOwner: "host:9100/2-new", logger: logger) == 0)
        }
    }

    @Test func expiredLeasesAreRecoveredAndStaleTokensFenced() async throws {
        try await withQueue { queue, _ in
            let job = member()
            try await queue.enqueue(job, dueAt: Self.justDue(), logger: logger)
            let stalled = try #require(try await queue.claim(worker: "a", limit: 10, lease: .seconds(1), logger: logger).jobs.first)
            #expect(try await queue.reap(maxAttempts: 5, logger: logger) == (0, 0), "a live lease is left alone")
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await queue.reap(maxAttempts: 5, logger: logger) == (1, 0))

            let fresh = try #require(try await queue.claim(worker: "b", limit: 10, lease: .seconds(5), logger: logger).jobs.first)
            #expect(fresh.member == job)
            #expect(fresh.attempts == 2)
            #expect(fresh.token != stalled.token)
            // The stalled worker wakes up late: it can neither ack nor retry the job b owns.
            #expect(try await queue.ack([stalled], logger: logger) == [false])
            #expect(try await queue.retry(stalled, after: .zero, error: "late", maxAttempts: 5, logger: logger) == .stale)
            #expect(try await queue.ack([fresh], logger: logger) == [true])
            #expect(try await queue.depth(logger: logger).inFlight == 0)
        }
    }

    @Test func jobsGoDeadAfterMaxAttemptsAndCanBeRetried() async throws {
        try await withQueue { queue, _ in
            let job = member()
            try await queue.enqueue(job, dueAt: Self.justDue(), logger: logger)
            let first = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(try await queue.retry(first, after: .zero, error: "boom", maxAttempts: 2, logger: logger) == .retried)
            let second = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(second.attempts == 2)
            #expect(try await queue.retry(second, after: .zero, error: "boom again", maxAttempts: 2, logger: logger) == .dead)

            let dead = try await queue.dead(logger: logger)
            #expect(dead.map(\.member) == [job])
            #expect(dead.first?.attempts == 2)
            #expect(dead.first?.lastError == "boom again")
            #expect(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.isEmpty)

            #expect(try await queue.resurrect(job, logger: logger))
            let again = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(again.attempts == 1)
            #expect(try await !queue.resurrect(job, logger: logger))
        }
    }

    @Test func retriesWaitTheirBackoff() async throws {
        try await withQueue { queue, _ in
            try await queue.enqueue(member(), dueAt: Self.justDue(), logger: logger)
            let job = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(try await queue.retry(job, after: .seconds(30), error: "db down", maxAttempts: 5, logger: logger) == .retried)
            let claim = try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger)
            #expect(claim.jobs.isEmpty)
            #expect(try #require(claim.nextDue).timeIntervalSince(claim.serverNow) > 29)
        }
    }

    @Test func releasedJobsAreDueAtOnceWithoutSpendingAnAttempt() async throws {
        try await withQueue { queue, redis in
            try await queue.enqueue(member(), dueAt: Self.justDue(), logger: logger)
            let job = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(60), logger: logger).jobs.first)
            try await redis.send("DEL", queue.keys.wakeups)
            try await queue.release([job], logger: logger)
            #expect(try await redis.send("ZCARD", queue.keys.wakeups).int == 1, "a sleeping worker is woken")
            let again = try #require(try await queue.claim(worker: "b", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(again.attempts == 1)
        }
    }

    /// A job that becomes its partition's earliest tells the sleeping workers which partition
    /// and when; a later one in the same partition wakes nobody.
    @Test func anEarlierJobWakesASleepingWorker() async throws {
        try await withQueue { queue, redis in
            let partition = 3
            let first = Date().addingTimeInterval(60)
            try await queue.enqueue(member(inPartition: partition, of: queue), dueAt: first, logger: logger)
            #expect(try await wakeup(of: partition, in: queue, redis) == Self.milliseconds(first))
            try await redis.send("DEL", queue.keys.wakeups)
            try await queue.enqueue(member(inPartition: partition, of: queue), dueAt: Date().addingTimeInterval(120), logger: logger)
            #expect(try await redis.send("ZCARD", queue.keys.wakeups).int == 0, "a later job wakes nobody")
            let earlier = Date().addingTimeInterval(30)
            try await queue.enqueue(member(inPartition: partition, of: queue), dueAt: earlier, logger: logger)
            #expect(try await wakeup(of: partition, in: queue, redis) == Self.milliseconds(earlier))
            try await queue.enqueue(member(inPartition: partition + 1, of: queue), dueAt: first, logger: logger)
            #expect(try await redis.send("ZCARD", queue.keys.wakeups).int == 2, "each partition has its own wake-up")
        }
    }

    /// The operations page's chart: one sample per 10-second bucket (the first heartbeat in it
    /// wins), each with the jobs acknowledged since the sample before.
    @Test func historyKeepsOneSamplePerBucketWithTheJobsDoneBetween() async throws {
        try await withQueue { queue, redis in
            // Early in a bucket, so that both heartbeats below fall in it however slow the machine
            // (under CI's load this took 3 s and once straddled two buckets).
            let intoBucket = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 10)
            if intoBucket > 4 { try await Task.sleep(for: .seconds(10.05 - intoBucket)) }
            // Two buckets recorded by hand around the current one, as heartbeats 10 s apart would.
            let bucket = Int(Date().timeIntervalSince1970 / 10)
            try await redis.send("HSET", queue.keys.history, bucket - 2, "5,0", bucket - 1, "7,2")
            for _ in 0..<3 { try await queue.enqueue(member(), dueAt: Self.justDue(), logger: logger) }
            let claimed = try await queue.claim(worker: "a", limit: 3, lease: .seconds(5), logger: logger)
            #expect(try await queue.ack(claimed.jobs, logger: logger) == [true, true, true])
            try await queue.recordHistory(lagMilliseconds: 42, logger: logger)
            try await queue.recordHistory(lagMilliseconds: 99, logger: logger)
            let samples = try await queue.history(logger: logger)
            #expect(samples.map(\.lagMilliseconds) == [7, 42], "the second heartbeat of a bucket records nothing")
            #expect(samples.map(\.done) == [2, 1], "each sample counts the jobs done since the one before")
            #expect(samples.last.map { abs($0.at.timeIntervalSinceNow) < 11 } == true)
        }
    }

    // MARK: Kinds

    /// Each kind has a queue of its own: a claim of one kind never takes another's job, and
    /// operators see every kind's depth and dead jobs together.
    @Test func kindsHaveQueuesOfTheirOwn() async throws {
        try await withQueue { transitions, redis in
            let webhooks = JobQueue(redis: redis, kind: .webhook)
            let delivery = UUID().uuidString.lowercased()
            try await webhooks.enqueue(delivery, dueAt: Self.justDue(), logger: logger)
            try await transitions.enqueue(member(), dueAt: Date().addingTimeInterval(60), logger: logger)
            #expect(try await transitions.claim(worker: "a", limit: 10, lease: .seconds(5), logger: logger).jobs.isEmpty)
            let claimed = try await webhooks.claim(worker: "a", limit: 10, lease: .seconds(5), logger: logger).jobs
            #expect(claimed.map(\.member) == [delivery])
            let partition = JobQueueKeys.partition(of: delivery, among: webhooks.keys.partitions)
            #expect(webhooks.keys.partition(of: delivery).scheduled == "jobs:{webhook:\(partition)}:scheduled", "a tag per partition")
            #expect(transitions.keys.partition(0).scheduled == "jobs:{transition:0}:scheduled")

            #expect(try await webhooks.retry(claimed[0], after: .zero, error: "410", maxAttempts: 1, logger: logger) == .dead)
            let queues = JobQueues(redis: redis)
            let depths = try await queues.depths(logger: logger)
            #expect(depths.map(\.kind) == JobKind.allCases)
            #expect(depths.first { $0.kind == .webhook }?.depth.dead == 1)
            #expect(depths.first { $0.kind == .transition }?.depth.scheduled == 1)
            #expect(QueueDepth.total(depths.map(\.depth)).scheduled == 1)
            let dead = try await queues.dead(logger: logger)
            #expect(dead.map(\.kind) == [.webhook])
            #expect(dead.first?.orderID == nil, "a delivery's member is not an order")
            #expect(try await queues.resurrect(delivery, logger: logger) == .webhook)
            #expect(try await queues.resurrect(delivery, logger: logger) == nil, "no longer dead")
            let again = try await webhooks.claim(worker: "b", limit: 10, lease: .seconds(5), logger: logger).jobs
            #expect(again.map(\.attempts) == [1], "a retried dead job starts its attempts afresh")
        }
    }

    /// A kind's maximum age: a failure whose retry would come later than that after the job was
    /// first enqueued makes it dead, whatever attempts are left.
    @Test func aRetryPastTheMaximumAgeIsDead() async throws {
        try await withQueue { queue, _ in
            try await queue.enqueue(member(), dueAt: Self.justDue(), logger: logger)
            let first = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(
                try await queue.retry(first, after: .zero, error: "x", maxAttempts: 10, maxAge: .seconds(60), logger: logger) == .retried)
            let second = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(
                try await queue.retry(second, after: .seconds(61), error: "x", maxAttempts: 10, maxAge: .seconds(60), logger: logger)
                    == .dead)
        }
    }

    // MARK: Rescheduling and reconciling

    /// A job that ran too early goes back in one step: scheduled at its new time, its attempt
    /// not spent, its first enqueue time kept; a stale token changes nothing.
    @Test func aJobThatRanEarlyIsRescheduledInOneStep() async throws {
        try await withQueue { queue, redis in
            let name = member()
            try await queue.enqueue(name, dueAt: Self.justDue(), logger: logger)
            let keys = queue.keys.partition(of: name)
            let created = try await redis.send("HGET", keys.created, name).string
            let job = try #require(try await queue.claim(worker: "a", limit: 1, lease: .seconds(60), logger: logger).jobs.first)
            let due = Date().addingTimeInterval(30)
            #expect(try await queue.reschedule([(job, due)], logger: logger) == [true])
            #expect(try await redis.send("ZSCORE", keys.inflight, name).isNull, "no longer in flight")
            let score = try #require(try await redis.send("ZSCORE", keys.scheduled, name).string.flatMap(Double.init))
            #expect(abs(score - due.timeIntervalSince1970 * 1000) < 2)
            #expect(try await redis.send("HGET", keys.created, name).string == created)
            #expect(try await queue.reschedule([(job, Date())], logger: logger) == [false], "the token is spent")
            #expect(try await redis.send("ZSCORE", keys.scheduled, name).string.flatMap(Double.init) == score)
            try await redis.send("ZADD", keys.scheduled, "0", name)
            let again = try #require(try await queue.claim(worker: "b", limit: 1, lease: .seconds(5), logger: logger).jobs.first)
            #expect(again.attempts == 1, "running early was not an attempt")
        }
    }

    /// The schedule counts as whole only after a pass during which Redis kept its data: a flush
    /// in the middle of a pass leaves it unmarked, so the next claim asks for another pass.
    @Test func aPassDuringWhichRedisLostItsDataMarksNothing() async throws {
        try await withQueue { queue, redis in
            #expect(try await !queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).scheduleIsWhole)
            let interrupted = try await queue.beginPass(logger: logger)
            try await redis.send("FLUSHALL")
            #expect(try await !queue.finishPass(interrupted, logger: logger))
            #expect(try await !queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).scheduleIsWhole)

            let first = try await queue.beginPass(logger: logger)
            let second = try await queue.beginPass(logger: logger)
            #expect(try await !queue.finishPass(first, logger: logger), "a later pass began: the earlier one marks nothing")
            #expect(try await queue.finishPass(second, logger: logger))
            #expect(try await queue.claim(worker: "a", limit: 1, lease: .seconds(5), logger: logger).scheduleIsWhole)
        }
    }

    // MARK: Partitions

    /// A kind's jobs spread over its partitions, and what spans them (a one-off claim, the
    /// depth, the dead jobs, the reaper) sees them all.
    @Test func jobsSpreadOverPartitionsAndEveryOperationSeesThemAll() async throws {
        try await withQueue { queue, redis in
            let jobs = (0..<200).map { _ in member() }
            #expect(try await queue.enqueue(jobs.map { ($0, Self.justDue()) }, logger: logger) == 200)
            var used = Set<Int>()
            for partition in queue.keys.all where try await redis.send("ZCARD", partition.scheduled).int ?? 0 > 0 {
                used.insert(partition.index)
            }
            #expect(used.count == queue.keys.partitions, "200 jobs reach every one of \(queue.keys.partitions) partitions")
            #expect(try await queue.depth(logger: logger).due == 200)
            let claimed = try await queue.claim(worker: "a", limit: 150, lease: .seconds(1), logger: logger).jobs
            #expect(claimed.count == 150 && Set(claimed.map(\.member)).count == 150)
            let rest = try await queue.claim(worker: "b", limit: 500, lease: .seconds(60), logger: logger).jobs
            #expect(Set(claimed.map(\.member) + rest.map(\.member)) == Set(jobs))
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await queue.reap(maxAttempts: 1, logger: logger) == (0, 150), "a's expired leases, past one attempt")
            #expect(try await queue.dead(limit: 500, logger: logger).count == 150)
            let depth = try await queue.depth(logger: logger)
            #expect(depth.dead == 150 && depth.inFlight == 50 && depth.scheduled == 0)
        }
    }

    /// A claim loop asks only the partitions it knows to have work: a job enqueued in a partition
    /// it saw empty is found through the wake-up it pops, not by asking every partition again;
    /// a wake-up lost costs at most the cursor's full-scan interval.
    @Test func aClaimLoopAsksOnlyPartitionsWithWorkAndLearnsOfOthersByWakeUps() async throws {
        try await withQueue { queue, redis in
            try await redis.withDedicatedConnection(for: queue.keys.wakeups) { wake in
                let fullScan = Duration.seconds(4)
                var cursor = ClaimCursor(partitions: queue.keys.partitions, fullScanEvery: fullScan)
                // The cursor's own time of the scan is between these two.
                let scanStarted = ContinuousClock.now
                let empty = try await queue.claim(worker: "a", limit: 10, lease: .seconds(5), cursor: &cursor, logger: logger)
                let scannedAt = ContinuousClock.now
                #expect(empty.jobs.isEmpty && empty.nextDue == nil, "every partition asked, none has work")
                let job = member(inPartition: 5, of: queue)
                // Enqueued without its wake-up: the loop does not ask the partition it saw empty.
                // Just due: the cursor's estimate of Redis's clock must not trail it (measured
                // from when a loaded machine read the last claim's answer, it once did by more
                // than the 10 ms).
                try await queue.enqueue(job, dueAt: Self.justDue(), logger: logger)
                let wakeup = try #require(try await wakeup(of: 5, in: queue, redis))
                try await redis.send("DEL", queue.keys.wakeups)
                let blind = try await queue.claim(worker: "a", limit: 10, lease: .seconds(5), cursor: &cursor, logger: logger)
                // (Unless this machine took longer than the full-scan interval to get here.)
                if ContinuousClock.now - scanStarted < fullScan { #expect(blind.jobs.isEmpty) }
                try await redis.send("ZADD", queue.keys.wakeups, wakeup, 5)
                try await queue.waitForWake(on: wake, seconds: 1, cursor: &cursor)
                let found = try await queue.claim(worker: "a", limit: 10, lease: .seconds(5), cursor: &cursor, logger: logger)
                #expect(blind.jobs.map(\.member) + found.jobs.map(\.member) == [job], "the wake-up named its partition")
                // Any full scan so far was by this claim: on a slow machine one of the last two may
                // have been one, and the next is due a full interval after it.
                let lastClaim = ContinuousClock.now
                // A wake-up lost: the next full scan finds its job.
                let other = member(inPartition: 9, of: queue)
                try await queue.enqueue(other, dueAt: Self.justDue(), logger: logger)
                try await redis.send("DEL", queue.keys.wakeups)
                try await queue.waitForWake(on: wake, seconds: 0.05, cursor: &cursor)
                try await Task.sleep(until: max(scannedAt, lastClaim) + fullScan)
                // (A limit below the partitions' count would leave some partitions asked for no job.)
                let rescanned = try await queue.claim(
                    worker: "a", limit: queue.keys.partitions, lease: .seconds(5), cursor: &cursor, logger: logger)
                #expect(rescanned.jobs.map(\.member) == [other])
            }
        }
    }

    /// A claim ahead takes jobs by due time across partitions, as one queue would: with a limit
    /// short of the partitions that have work, the partitions whose first jobs are due soonest
    /// give every job due by the last of those first jobs, and no later one.
    @Test func aClaimAheadTakesTheJobsDueSoonestAcrossPartitions() async throws {
        try await withQueue { queue, _ in
            // Due well after the first claim even when the run starts on two busy cores (8 s
            // between the enqueue and the claim seen then).
            let start = Date().addingTimeInterval(60)
            var jobs: [(member: String, dueAt: Date)] = []
            for partition in 0..<8 {
                jobs.append((member(inPartition: partition, of: queue), start.addingTimeInterval(Double(7 - partition) * 0.1)))
                jobs.append((member(inPartition: partition, of: queue), start.addingTimeInterval(3)))
            }
            // Two at the same millisecond as the earliest, in another partition.
            let twin = member(inPartition: 9, of: queue)
            jobs.append((twin, jobs[14].dueAt))
            try await queue.enqueue(jobs, logger: logger)
            var cursor = ClaimCursor(partitions: queue.keys.partitions, fullScanEvery: .seconds(3600))
            let learnt = try await queue.claim(worker: "a", limit: 16, lease: .seconds(30), cursor: &cursor, logger: logger)
            #expect(learnt.jobs.isEmpty, "nothing due yet; every partition's first job now known")
            let claimed = try await queue.claim(
                worker: "a", limit: 3, lease: .seconds(30), ahead: .seconds(120), cursor: &cursor, logger: logger)
            let soonest = jobs.sorted { $0.dueAt < $1.dueAt }.prefix(3).map(\.member)
            #expect(Set(claimed.jobs.map(\.member)) == Set(soonest))
            #expect(claimed.jobs.contains { $0.member == twin }, "due with the earliest: taken with it")
        }
    }

    /// Each kind's partitions hash to slots in every third of the slot space, where a cluster of
    /// three primaries made by `redis-cli --cluster create` puts its shards: a kind's jobs use
    /// every shard.
    @Test func everyKindsPartitionsReachEveryShardOfAThreePrimaryCluster() {
        for kind in JobKind.allCases {
            let keys = JobQueueKeys(kind: kind, partitions: 16)
            let thirds = Set(keys.all.map { RedisSlot.of($0.scheduled) * 3 / RedisSlot.count })
            #expect(thirds == [0, 1, 2], "\(kind)")
            #expect(Set(keys.all.map { RedisSlot.of($0.scheduled) }).count == 16)
            #expect(keys.all.allSatisfy { RedisSlot.of($0.scheduled) == RedisSlot.of($0.attempts) })
        }
    }

    /// The partition of an order's move follows from the order id's last four hex digits, as
    /// the bench's SQL and the browser tests compute it; other members by CRC16.
    @Test func aMembersPartitionFollowsFromItsIdsLastHexDigits() {
        let order = UUID(uuidString: "6f1c1e0a-3b1d-4a51-9c57-0123456789ab")!
        #expect(JobQueueKeys.partition(of: JobQueue.member(orderID: order), among: 16) == 0x89ab % 16)
        #expect(JobQueueKeys.partition(of: order.uuidString.lowercased(), among: 64) == 0x89ab % 64)
        #expect(JobQueueKeys.partition(of: "lane-3", among: 16) == RedisSlot.of("lane-3") % 16)
    }

    // MARK: Upgrading

    /// An upgrade moves the jobs kept before partitions into their partitions: scheduled ones due
    /// as they were, dead ones with their attempts and error, those in flight due as they were
    /// with the attempt not counted; the old keys go, and a second run moves nothing.
    @Test func jobsKeptBeforePartitionsAreMovedIntoThem() async throws {
        try await withQueue { queue, redis in
            let (scheduled, running, dead, present) = (member(), member(), member(), member())
            let due = Self.milliseconds(Date().addingTimeInterval(30))
            let old = "jobs:{orders}:"
            for command: [any RESPArgument] in [
                ["ZADD", old + "scheduled", due, scheduled], ["HSET", old + "job:" + scheduled, "due", due, "created", 1000],
                ["ZADD", old + "inflight", due + 5, running],
                ["HSET", old + "job:" + running, "due", due - 10, "attempts", 2, "owner", "gone", "token", 7],
                ["ZADD", old + "dead", 1234, dead], ["HSET", old + "job:" + dead, "attempts", 5, "error", "boom", "due", 99],
                ["ZADD", old + "scheduled", 1, present], ["SET", old + "epoch", 1], ["RPUSH", old + "wake", 1],
            ] {
                try await redis.send(RedisCommand(command[0] as! String, Array(command.dropFirst())))
            }
            let presentDue = Date().addingTimeInterval(60)
            try await queue.enqueue(present, dueAt: presentDue, logger: logger)
            #expect(try await queue.adoptLegacy(logger: logger) == 3, "the job the partition has is left as it is")
            func score(_ set: KeyPath<JobPartitionKeys, String>, _ member: String) async throws -> Int? {
                try await redis.send("ZSCORE", queue.keys.partition(of: member)[keyPath: set], member).string.flatMap(Double.init)
                    .map(Int.init)
            }
            #expect(try await score(\.scheduled, scheduled) == due)
            #expect(try await score(\.scheduled, running) == due - 10, "in flight: due as before")
            #expect(try await score(\.dead, dead) == 1234)
            let kept = try #require(try await score(\.scheduled, present))
            // Its own due time to the millisecond, however long the machine took to get here.
            #expect(abs(kept - Self.milliseconds(presentDue)) <= 1, "not the old layout's due time")
            #expect(try await redis.send("HGET", queue.keys.partition(of: scheduled).created, scheduled).int == 1000)
            #expect(try await redis.send("HGET", queue.keys.partition(of: running).attempts, running).int == 1)
            let buried = try await queue.dead(logger: logger)
            #expect(buried.map(\.member) == [dead] && buried.first?.attempts == 5 && buried.first?.lastError == "boom")
            for key in ["scheduled", "inflight", "dead", "epoch", "wake", "job:" + scheduled, "job:" + running, "job:" + dead] {
                #expect(try await redis.send("EXISTS", old + key).int == 0, "\(key) is gone")
            }
            #expect(try await queue.adoptLegacy(logger: logger) == 0)
            #expect(try await queue.depth(logger: logger).scheduled == 3)
        }
    }

    /// The first process records the deployment's partition count; one started with another
    /// count reads the recorded one (and a worker refuses to claim with its own).
    @Test func theDeploymentsPartitionCountIsRecordedByTheFirst() async throws {
        try await withQueue { _, redis in
            let unread = try await JobQueues(redis: redis, partitions: 16).recordedPartitions(record: false, logger: logger)
            #expect(unread == nil, "a gateway reads, and records nothing")
            let first = try await JobQueues(redis: redis, partitions: 16).recordedPartitions(logger: logger)
            let second = try await JobQueues(redis: redis, partitions: 64).recordedPartitions(logger: logger)
            let read = try await JobQueues(redis: redis, partitions: 64).recordedPartitions(record: false, logger: logger)
            #expect(first == 16 && second == 16 && read == 16)
        }
    }
}
