import Foundation
import Logging
import NIOCore
import Redis

/// One kind's queue of delayed jobs in Redis: enqueue, claim with a lease and a fencing token,
/// ack, retry, release, reap expired leases, and the dead set. The jobs are spread over the
/// kind's partitions (``JobQueueKeys``) by member; each operation on a job is one Lua script on
/// its partition, and what spans partitions (a claim, the reaper, the depth) is one script per
/// partition in one pipeline, which a cluster splits by node. A job is a member naming what to
/// do (an order's move, a delivery of the ledger); its payload lives in Postgres.
public struct JobQueue: Sendable {
    public let kind: JobKind
    public let keys: JobQueueKeys
    let redis: RedisClient

    public init(redis: RedisClient, kind: JobKind = .transition, partitions: Int = JobPartitions.count) {
        self.redis = redis
        self.kind = kind
        self.keys = JobQueueKeys(kind: kind, partitions: partitions)
    }

    public static func member(orderID: UUID) -> String { "\(orderID.lowercasedString):processing" }
    /// The order a job's member names (the inverse of ``member(orderID:)``); nil for a member
    /// this build does not know.
    public static func orderID(member: String) -> UUID? { UUID(parsing: String(member.prefix { $0 != ":" })) }

    // MARK: Enqueueing and waking

    /// Schedules `member` at `dueAt` unless it is already scheduled, running or dead.
    @discardableResult
    public func enqueue(_ member: String, dueAt: Date, timeout: TimeAmount? = nil, logger: Logger) async throws -> Bool {
        let due = Self.milliseconds(dueAt)
        let reply = try await redis.run([enqueueCall(member, due: due)], timeout: timeout, logger: logger)[0]
        if case .error(let message) = reply { throw RedisError(.server, message) }
        if reply.int == 2 {
            try await redis.send(wakeCommand([(keys.partition(of: member).index, due)]), timeout: timeout, logger: logger)
        }
        return (reply.int ?? 0) > 0
    }

    /// Schedules each job (as ``enqueue(_:dueAt:timeout:logger:)`` does), 500 to a round trip:
    /// a reconciler's re-enqueue, a batch's captures. Returns how many were added.
    @discardableResult
    public func enqueue(_ jobs: [(member: String, dueAt: Date)], logger: Logger) async throws -> Int {
        try await Self.enqueue(jobs.map { (self, $0.member, $0.dueAt) }, redis: redis, logger: logger)
    }

    /// Schedules jobs of any kinds, 500 to a round trip, and wakes a worker for each partition
    /// that got a new earliest job. Returns how many were added.
    static func enqueue(_ jobs: [(queue: JobQueue, member: String, dueAt: Date)], redis: RedisClient, logger: Logger) async throws -> Int {
        var added = 0
        for start in stride(from: 0, to: jobs.count, by: 500) {
            let chunk = jobs[start..<min(start + 500, jobs.count)].map { ($0.queue, $0.member, Self.milliseconds($0.dueAt)) }
            let replies = try await redis.run(chunk.map { $0.0.enqueueCall($0.1, due: $0.2) }, logger: logger)
            var wakes: [JobKind: (queue: JobQueue, wakes: [(Int, Int)])] = [:]
            for ((queue, member, due), reply) in zip(chunk, replies) {
                if case .error(let message) = reply { throw RedisError(.server, message) }
                if (reply.int ?? 0) > 0 { added += 1 }
                if reply.int == 2 { wakes[queue.kind, default: (queue, [])].wakes.append((queue.keys.partition(of: member).index, due)) }
            }
            if !wakes.isEmpty { _ = try await redis.pipeline(wakes.values.map { $0.queue.wakeCommand($0.wakes) }, logger: logger) }
        }
        return added
    }

    func enqueueCall(_ member: String, due: Int) -> ScriptCall {
        let partition = keys.partition(of: member)
        return ScriptCall(
            JobScripts.enqueue,
            keys: [partition.scheduled, partition.inflight, partition.dead, partition.due, partition.created],
            arguments: [member, due]
        )
    }

    /// Tells a sleeping worker of partitions' new earliest due times (each kept at its earliest).
    func wakeCommand(_ wakes: [(partition: Int, due: Int)]) -> RedisCommand {
        RedisCommand("ZADD", [keys.wakeups, "LT"] + wakes.flatMap { [$0.due, $0.partition] as [any RESPArgument] })
    }

    private func wake(_ wakes: [(partition: Int, due: Int)], logger: Logger) async throws {
        guard !wakes.isEmpty else { return }
        try await redis.send(wakeCommand(wakes), logger: logger)
    }

    /// Waits on `connection` (a dedicated one: it blocks) until a partition gets an earlier job
    /// than `cursor` knew of, or `seconds` pass. A wake-up lost (popped by a worker that died,
    /// or by a primary that failed over) is made up for by the cursor's full scan every few
    /// seconds; a wake-up whose member is not a partition (`*`, as the bench writes after filling
    /// partitions by hand) makes it ask every partition at once.
    public func waitForWake(on connection: RedisConnection, seconds: Double, cursor: inout ClaimCursor) async throws {
        let reply = try await connection.send(
            RedisCommand("BZPOPMIN", keys.wakeups, String(format: "%.3f", seconds)),
            timeout: .milliseconds(Int64(seconds * 1000) + 2000))
        let values = reply.array ?? []
        guard values.count == 3 else { return }
        if let partition = values[1].string.flatMap({ Int($0) }), let due = values[2].string.flatMap(Double.init) {
            cursor.woke(partition: partition, dueMilliseconds: Int(due))
        } else {
            cursor.rescan()
        }
    }

    // MARK: Reconciling

    /// Starts a reconciler pass, before it reads Postgres: returns the token that
    /// ``finishPass(_:logger:)`` needs. Redis losing a partition's data during the pass loses the
    /// token there too.
    public func beginPass(logger: Logger) async throws -> String {
        let token = UUID().uuidString
        _ = try await redis.pipeline(keys.all.map { RedisCommand("SET", $0.pass, token, "PX", 3_600_000) }, logger: logger)
        return token
    }

    /// Ends a pass that enqueued everything Postgres owed when it began: claims report each
    /// partition whole until Redis loses its data again. A partition that lost its data during
    /// the pass (or a later pass began) is not marked: the next claim there asks for another.
    /// True when every partition was marked.
    @discardableResult
    public func finishPass(_ token: String, logger: Logger) async throws -> Bool {
        let epoch = String(Int(Date().timeIntervalSince1970))
        let replies = try await redis.run(
            keys.all.map { ScriptCall(JobScripts.finishPass, keys: [$0.pass, $0.epoch], arguments: [token, epoch]) }, logger: logger)
        return replies.allSatisfy { $0.int == 1 }
    }

    /// Drops a scheduled job (its order was cancelled).
    public func remove(_ member: String, logger: Logger) async throws {
        let partition = keys.partition(of: member)
        _ = try await redis.pipeline(
            [RedisCommand("ZREM", partition.scheduled, member)] + partition.fields.map { RedisCommand("HDEL", $0, member) },
            logger: logger)
    }

    // MARK: Claiming and settling

    /// What a claim returned: the jobs, Redis's clock, the next due time after them, and whether
    /// the schedule is known to be whole (false once Redis lost a partition's data). With fewer
    /// jobs than the limit, every job due by the claim's horizon in the partitions asked is among
    /// them, so `nextDue` is past it unless a partition is still to be asked.
    public struct Claim: Sendable {
        public var jobs: [ClaimedJob]
        public var serverNow: Date
        public var nextDue: Date?
        public var scheduleIsWhole: Bool
    }

    /// Takes up to `limit` jobs due within `ahead` of Redis's clock for `worker`, each leased for
    /// `lease` from now, from the partitions `cursor` says have some (no round trip when none
    /// has). A job taken ahead must not start before its `dueAt`.
    public func claim(
        worker: String, limit: Int, lease: Duration, ahead: Duration = .zero, cursor: inout ClaimCursor, logger: Logger
    ) async throws -> Claim {
        let aheadMilliseconds = Self.milliseconds(ahead)
        let targets = cursor.partitionsToClaim(horizon: cursor.now + aheadMilliseconds)
        let shares: [(partition: Int, limit: Int)]
        var cutoff = -1
        if ahead > .zero {
            // Claiming ahead (transitions): by due time, as one queue would. The partitions whose
            // first jobs are the `limit` earliest are asked for every job due up to the last of
            // those first jobs, each up to the whole limit: the claim takes about the `limit`
            // jobs due soonest, and the jobs due at one millisecond together (one batch). It may
            // take more than `limit` (up to `limit` from each partition asked, all due by that
            // cutoff or, with fewer partitions than `limit` to ask, within the claim-ahead
            // window): a kind that claims ahead holds its jobs only until they fall due.
            let asked = Array(targets.prefix(limit))
            if targets.count > limit, let last = asked.last, !cursor.unknown[last], let time = cursor.earliest[last] {
                cutoff = time
            }
            shares = asked.map { ($0, limit) }
        } else {
            // The limit shared out, the partitions with the earliest jobs first. One left without
            // a share is not asked (it stays due for the next claim) unless nothing is known of
            // it: then it is asked for none, which tells its next due time. A claim that frees a
            // few slots at a time so costs a script per slot at most, not one per partition.
            shares = targets.enumerated().compactMap { position, partition -> (partition: Int, limit: Int)? in
                let share = limit / targets.count + (position < limit % targets.count ? 1 : 0)
                return share > 0 || cursor.unknown[partition] ? (partition, share) : nil
            }
        }
        guard !shares.isEmpty else {
            return Claim(jobs: [], serverNow: Self.date(cursor.now), nextDue: cursor.nextDue.map(Self.date), scheduleIsWhole: true)
        }
        let sentAt = ClaimCursor.localMilliseconds()
        let replies = try await redis.run(
            shares.map { share in
                let partition = keys.partition(share.partition)
                return ScriptCall(
                    JobScripts.claim,
                    keys: [
                        partition.scheduled, partition.inflight, partition.fence, partition.epoch, partition.attempts,
                        partition.owner, partition.token, partition.due,
                    ],
                    arguments: [worker, share.limit, Self.milliseconds(lease), aheadMilliseconds, cutoff])
            }, logger: logger)
        var jobs: [ClaimedJob] = []
        var whole = true
        var serverNow = 0
        for (share, reply) in zip(shares, replies) {
            if case .error(let message) = reply { throw RedisError(.server, message) }
            let values = reply.array ?? []
            guard values.count >= 3, let now = values[0].int, let next = values[1].int, let epoch = values[2].int else {
                throw RedisError(.protocolError, "unexpected claim reply")
            }
            var index = 3
            while index + 3 < values.count {
                guard let member = values[index].string, let token = values[index + 1].string,
                    let attempts = values[index + 2].int, let due = values[index + 3].string.flatMap(Double.init)
                else { throw RedisError(.protocolError, "unexpected claim entry") }
                jobs.append(ClaimedJob(member: member, token: token, attempts: attempts, dueAt: Date(timeIntervalSince1970: due / 1000)))
                index += 4
            }
            cursor.claimed(partition: share.partition, next: next < 0 ? nil : next, serverNow: now, sentAt: sentAt)
            whole = whole && epoch == 1
            serverNow = max(serverNow, now)
        }
        return Claim(jobs: jobs, serverNow: Self.date(serverNow), nextDue: cursor.nextDue.map(Self.date), scheduleIsWhole: whole)
    }

    /// Takes up to `limit` jobs due within `ahead` from any partition (asking each as often as it
    /// takes): a one-off claim, without a claim loop's ``ClaimCursor``.
    public func claim(worker: String, limit: Int, lease: Duration, ahead: Duration = .zero, logger: Logger) async throws -> Claim {
        var cursor = ClaimCursor(partitions: keys.partitions)
        var claim = try await self.claim(worker: worker, limit: limit, lease: lease, ahead: ahead, cursor: &cursor, logger: logger)
        var rounds = 1
        while claim.jobs.count < limit, rounds <= keys.partitions, cursor.hasWork(horizon: cursor.now + Self.milliseconds(ahead)) {
            let more = try await self.claim(
                worker: worker, limit: limit - claim.jobs.count, lease: lease, ahead: ahead, cursor: &cursor, logger: logger)
            claim.jobs += more.jobs
            claim.scheduleIsWhole = claim.scheduleIsWhole && more.scheduleIsWhole
            claim.serverNow = more.serverNow
            claim.nextDue = more.nextDue
            rounds += 1
        }
        return claim
    }

    /// Finishes jobs; returns for each whether the token was still current.
    public func ack(_ jobs: [ClaimedJob], logger: Logger) async throws -> [Bool] {
        guard !jobs.isEmpty else { return [] }
        let replies = try await redis.run(
            jobs.map {
                let partition = keys.partition(of: $0.member)
                return ScriptCall(
                    JobScripts.ack, keys: [partition.inflight] + partition.fields, arguments: [$0.member, $0.token])
            },
            then: [RedisCommand("INCRBY", keys.done, jobs.count)],
            logger: logger
        )
        return replies.prefix(jobs.count).map { $0.int == 1 }
    }

    /// Extends the leases of jobs still owned (a heartbeat while they run).
    public func extend(_ jobs: [ClaimedJob], lease: Duration, logger: Logger) async throws {
        guard !jobs.isEmpty else { return }
        _ = try await redis.run(
            jobs.map {
                let partition = keys.partition(of: $0.member)
                return ScriptCall(
                    JobScripts.extend, keys: [partition.inflight, partition.token],
                    arguments: [$0.member, $0.token, Self.milliseconds(lease)])
            },
            logger: logger
        )
    }

    /// Outcome of ``retry(_:after:error:maxAttempts:maxAge:logger:)``.
    public enum RetryOutcome: Sendable, Equatable { case retried, dead, stale }

    /// Reschedules a failed job after `delay`, or makes it dead once it has had `maxAttempts`
    /// or would run more than `maxAge` after it was first enqueued.
    public func retry(
        _ job: ClaimedJob, after delay: Duration, error: String, maxAttempts: Int, maxAge: Duration? = nil, logger: Logger
    ) async throws -> RetryOutcome {
        let partition = keys.partition(of: job.member)
        let reply = try await redis.run(
            JobScripts.retry,
            keys: [
                partition.scheduled, partition.inflight, partition.dead, partition.attempts, partition.token, partition.created,
                partition.error, partition.due,
            ],
            arguments: [
                job.member, job.token, Self.milliseconds(delay), String(error.prefix(500)), maxAttempts,
                maxAge.map { Self.milliseconds($0) } ?? 0,
            ], logger: logger
        )
        let values = reply.array?.compactMap(\.int) ?? []
        if values.count == 2, values[1] >= 0 { try await wake([(partition.index, values[1])], logger: logger) }
        switch values.first {
        case 1: return .retried
        case 2: return .dead
        default: return .stale
        }
    }

    /// Puts claimed jobs back to run at their new due times (they ran too early), each in one
    /// step: a job is never finished without being scheduled again. Returns for each whether the
    /// token was still current.
    public func reschedule(_ jobs: [(job: ClaimedJob, dueAt: Date)], logger: Logger) async throws -> [Bool] {
        guard !jobs.isEmpty else { return [] }
        let dues = jobs.map { Self.milliseconds($0.dueAt) }
        let replies = try await redis.run(
            zip(jobs, dues).map { job, due in
                let partition = keys.partition(of: job.job.member)
                return ScriptCall(
                    JobScripts.reschedule,
                    keys: [partition.scheduled, partition.inflight, partition.attempts, partition.token, partition.due],
                    arguments: [job.job.member, job.job.token, due])
            },
            logger: logger
        )
        try await wake(
            zip(zip(jobs, dues), replies).compactMap { job, reply in
                reply.int == 2 ? (keys.partition(of: job.0.job.member).index, job.1) : nil
            }, logger: logger)
        return replies.map { ($0.int ?? 0) > 0 }
    }

    /// Hands jobs back at once, due as before (graceful shutdown, a store away).
    public func release(_ jobs: [ClaimedJob], logger: Logger) async throws {
        guard !jobs.isEmpty else { return }
        let replies = try await redis.run(
            jobs.map {
                let partition = keys.partition(of: $0.member)
                return ScriptCall(
                    JobScripts.release,
                    keys: [partition.scheduled, partition.inflight, partition.attempts, partition.token, partition.due],
                    arguments: [$0.member, $0.token])
            },
            logger: logger
        )
        try await wake(
            zip(jobs, replies).compactMap { job, reply in
                reply.int == 2 ? (keys.partition(of: job.member).index, Self.milliseconds(job.dueAt)) : nil
            }, logger: logger)
    }

    /// Hands back the jobs an earlier process of this worker instance left leased (see
    /// `job-release-abandoned.lua`), in every partition; returns how many.
    public func releaseAbandoned(ownerPrefix: String, currentOwner: String, logger: Logger) async throws -> Int {
        let replies = try await redis.run(
            keys.all.map {
                ScriptCall(
                    JobScripts.releaseAbandoned,
                    keys: [$0.scheduled, $0.inflight, $0.attempts, $0.owner, $0.token, $0.due],
                    arguments: [ownerPrefix, currentOwner])
            }, logger: logger)
        let now = Self.milliseconds(Date())
        try await wake(zip(keys.all, replies).compactMap { ($1.int ?? 0) > 0 ? ($0.index, now) : nil }, logger: logger)
        return replies.reduce(0) { $0 + ($1.int ?? 0) }
    }

    /// Returns expired leases (at most `limit` per partition, by Redis's clock) to the schedule,
    /// or to dead past `maxAttempts`; returns (recovered, dead).
    public func reap(maxAttempts: Int, limit: Int = 500, logger: Logger) async throws -> (recovered: Int, dead: Int) {
        let replies = try await redis.run(
            keys.all.map {
                ScriptCall(
                    JobScripts.reap, keys: [$0.scheduled, $0.inflight, $0.dead, $0.attempts, $0.token, $0.error],
                    arguments: [maxAttempts, limit])
            }, logger: logger)
        var recovered = 0
        var dead = 0
        var wakes: [(Int, Int)] = []
        let now = Self.milliseconds(Date())
        for (partition, reply) in zip(keys.all, replies) {
            let values = reply.array?.compactMap(\.int) ?? []
            recovered += values.first ?? 0
            dead += values.dropFirst().first ?? 0
            if (values.first ?? 0) > 0 { wakes.append((partition.index, now)) }
        }
        try await wake(wakes, logger: logger)
        return (recovered, dead)
    }

    /// Puts a dead job back on the schedule, due now; false when it is not dead.
    public func resurrect(_ member: String, logger: Logger) async throws -> Bool {
        let partition = keys.partition(of: member)
        let reply = try await redis.run(
            JobScripts.resurrect, keys: [partition.scheduled, partition.dead, partition.attempts, partition.created, partition.due],
            arguments: [member], logger: logger
        )
        guard reply.int == 1 else { return false }
        try await wake([(partition.index, Self.milliseconds(Date()))], logger: logger)
        return true
    }

    /// A due time as the queue keeps it: whole milliseconds, rounded up.
    public static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded(.up)) }
    static func date(_ milliseconds: Int) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
