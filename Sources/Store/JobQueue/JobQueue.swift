import Foundation
import Logging
import NIOCore
import Redis

/// One kind's queue of delayed jobs in Redis: enqueue, claim with a lease and a fencing token,
/// ack, retry, release, reap expired leases, and the dead set. Each operation is one Lua script.
/// A job is a member naming what to do (an order's move, a delivery of the ledger); its payload
/// lives in Postgres.
public struct JobQueue: Sendable {
    public let kind: JobKind
    public let keys: JobQueueKeys
    let redis: RedisClient

    public init(redis: RedisClient, kind: JobKind = .transition) {
        self.redis = redis
        self.kind = kind
        self.keys = JobQueueKeys(kind: kind)
    }

    public static func member(orderID: UUID) -> String { "\(orderID.uuidString.lowercased()):processing" }
    /// The order a job's member names (the inverse of ``member(orderID:)``); nil for a member
    /// this build does not know.
    public static func orderID(member: String) -> UUID? { UUID(uuidString: String(member.prefix { $0 != ":" })) }

    /// Schedules `member` at `dueAt` unless it is already scheduled, running or dead.
    @discardableResult
    public func enqueue(_ member: String, dueAt: Date, timeout: TimeAmount? = nil, logger: Logger) async throws -> Bool {
        let reply = try await redis.run([enqueueCall(member, dueAt: dueAt)], timeout: timeout, logger: logger)[0]
        if case .error(let message) = reply { throw RedisError(.server, message) }
        return reply.int == 1
    }

    /// Schedules each job (as ``enqueue(_:dueAt:timeout:logger:)`` does), 500 to a round trip:
    /// a reconciler's re-enqueue, a batch's captures. Returns how many were added.
    @discardableResult
    public func enqueue(_ jobs: [(member: String, dueAt: Date)], logger: Logger) async throws -> Int {
        var added = 0
        for start in stride(from: 0, to: jobs.count, by: 500) {
            let calls = jobs[start..<min(start + 500, jobs.count)].map { enqueueCall($0.member, dueAt: $0.dueAt) }
            for reply in try await redis.run(calls, logger: logger) {
                if case .error(let message) = reply { throw RedisError(.server, message) }
                if reply.int == 1 { added += 1 }
            }
        }
        return added
    }

    /// Waits on `connection` (a dedicated one: it blocks) until a job is enqueued earlier than
    /// the ones waiting, or `seconds` pass.
    public func waitForWake(on connection: RedisConnection, seconds: Double) async throws {
        _ = try await connection.send(
            RedisCommand("BLPOP", keys.wake, String(format: "%.3f", seconds)), timeout: .milliseconds(Int64(seconds * 1000) + 2000))
    }

    /// Starts a reconciler pass, before it reads Postgres: returns the token that
    /// ``finishPass(_:logger:)`` needs. Redis losing its data during the pass loses the token too.
    public func beginPass(logger: Logger) async throws -> String {
        let token = UUID().uuidString
        _ = try await redis.send(RedisCommand("SET", keys.pass, token, "PX", 3_600_000), logger: logger)
        return token
    }

    /// Ends a pass that enqueued everything Postgres owed when it began: claims report the
    /// schedule whole until Redis loses its data again. A pass during which Redis lost its data
    /// (or a later pass began) marks nothing: the next claim asks for another.
    @discardableResult
    public func finishPass(_ token: String, logger: Logger) async throws -> Bool {
        try await redis.run(
            JobScripts.finishPass, keys: [keys.pass, keys.epoch], arguments: [token, String(Int(Date().timeIntervalSince1970))],
            logger: logger
        ).int == 1
    }

    /// The script calls that enqueue many jobs in one round trip (the reconciler's re-enqueue).
    public func enqueueCall(_ member: String, dueAt: Date) -> ScriptCall {
        ScriptCall(
            JobScripts.enqueue, keys: [keys.scheduled, keys.inflight, keys.dead, keys.wake, keys.job(member)],
            arguments: [member, Self.milliseconds(dueAt)]
        )
    }

    /// Makes `member` due now, wherever it is: a dead job is put back, a scheduled one brought
    /// forward, a missing one enqueued (one that runs now is left to finish).
    public func runNow(_ member: String, logger: Logger) async throws {
        if try await resurrect(member, logger: logger) { return }
        // Due now (not at 0, which the depth's lag would read as a job waiting since 1970).
        let moved =
            try await redis.send(RedisCommand("ZADD", keys.scheduled, "XX", "CH", Self.milliseconds(Date()), member), logger: logger).int
            ?? 0
        if moved == 0 { try await enqueue(member, dueAt: Date(), logger: logger) }
    }

    /// Drops a scheduled job (its order was cancelled).
    public func remove(_ member: String, logger: Logger) async throws {
        _ = try await redis.pipeline(
            [RedisCommand("ZREM", keys.scheduled, member), RedisCommand("DEL", keys.job(member))], logger: logger)
    }

    /// What a claim returned: the jobs, Redis's clock, the next due time after them, and whether
    /// the schedule is known to be whole (false once Redis lost its data). With fewer jobs than
    /// the limit, every job due by the claim's horizon is among them, so `nextDue` is past it.
    public struct Claim: Sendable {
        public var jobs: [ClaimedJob]
        public var serverNow: Date
        public var nextDue: Date?
        public var scheduleIsWhole: Bool
    }

    /// Takes up to `limit` jobs due within `ahead` of Redis's clock for `worker`, each leased for
    /// `lease` from now. A job taken ahead must not start before its `dueAt`.
    public func claim(worker: String, limit: Int, lease: Duration, ahead: Duration = .zero, logger: Logger) async throws -> Claim {
        let reply = try await redis.run(
            JobScripts.claim, keys: [keys.scheduled, keys.inflight, keys.fence, keys.epoch],
            arguments: [worker, limit, Self.milliseconds(lease), keys.jobPrefix, Self.milliseconds(ahead)], logger: logger
        )
        let values = reply.array ?? []
        guard values.count >= 3, let now = values[0].int, let next = values[1].int, let epoch = values[2].int else {
            throw RedisError(.protocolError, "unexpected claim reply")
        }
        var jobs: [ClaimedJob] = []
        var index = 3
        while index + 3 < values.count {
            guard let member = values[index].string, let token = values[index + 1].string,
                let attempts = values[index + 2].int, let due = values[index + 3].string.flatMap(Double.init)
            else { throw RedisError(.protocolError, "unexpected claim entry") }
            jobs.append(ClaimedJob(member: member, token: token, attempts: attempts, dueAt: Date(timeIntervalSince1970: due / 1000)))
            index += 4
        }
        return Claim(
            jobs: jobs, serverNow: Date(timeIntervalSince1970: Double(now) / 1000),
            nextDue: next < 0 ? nil : Date(timeIntervalSince1970: Double(next) / 1000), scheduleIsWhole: epoch == 1
        )
    }

    /// Finishes jobs; returns for each whether the token was still current.
    public func ack(_ jobs: [ClaimedJob], logger: Logger) async throws -> [Bool] {
        guard !jobs.isEmpty else { return [] }
        let replies = try await redis.run(
            jobs.map {
                ScriptCall(
                    JobScripts.ack, keys: [keys.inflight, keys.job($0.member), keys.done], arguments: [$0.member, $0.token])
            },
            logger: logger
        )
        return replies.map { $0.int == 1 }
    }

    /// Extends the leases of jobs still owned (a heartbeat while they run).
    public func extend(_ jobs: [ClaimedJob], lease: Duration, logger: Logger) async throws {
        guard !jobs.isEmpty else { return }
        _ = try await redis.run(
            jobs.map {
                ScriptCall(
                    JobScripts.extend, keys: [keys.inflight, keys.job($0.member)],
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
        let reply = try await redis.run(
            JobScripts.retry, keys: [keys.scheduled, keys.inflight, keys.dead, keys.job(job.member), keys.wake],
            arguments: [
                job.member, job.token, Self.milliseconds(delay), String(error.prefix(500)), maxAttempts,
                maxAge.map { Self.milliseconds($0) } ?? 0,
            ], logger: logger
        )
        switch reply.int {
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
        let replies = try await redis.run(
            jobs.map {
                ScriptCall(
                    JobScripts.reschedule, keys: [keys.scheduled, keys.inflight, keys.job($0.job.member), keys.wake],
                    arguments: [$0.job.member, $0.job.token, Self.milliseconds($0.dueAt)])
            },
            logger: logger
        )
        return replies.map { $0.int == 1 }
    }

    /// Hands jobs back at once, due as before (graceful shutdown).
    public func release(_ jobs: [ClaimedJob], logger: Logger) async throws {
        guard !jobs.isEmpty else { return }
        _ = try await redis.run(
            jobs.map {
                ScriptCall(
                    JobScripts.release, keys: [keys.scheduled, keys.inflight, keys.wake, keys.job($0.member)],
                    arguments: [$0.member, $0.token])
            },
            logger: logger
        )
    }

    /// Hands back the jobs an earlier process of this worker instance left leased (see
    /// ``JobScripts/releaseAbandoned``); returns how many.
    /// The jobs in flight are read first and handed to the script with their keys: a script
    /// declares every key it touches (Redis Cluster requires it), and rechecks each job.
    public func releaseAbandoned(ownerPrefix: String, currentOwner: String, logger: Logger) async throws -> Int {
        let members = try await redis.send(RedisCommand("ZRANGE", keys.inflight, 0, -1), logger: logger).array?.compactMap(\.string) ?? []
        var released = 0
        for start in stride(from: 0, to: members.count, by: 500) {
            let chunk = Array(members[start..<min(start + 500, members.count)])
            let reply = try await redis.run(
                JobScripts.releaseAbandoned, keys: [keys.scheduled, keys.inflight, keys.wake] + chunk.map(keys.job),
                arguments: [ownerPrefix, currentOwner] + chunk, logger: logger
            )
            released += reply.int ?? 0
        }
        return released
    }

    /// Returns expired leases to the schedule; returns (recovered, dead). The expired jobs are
    /// read first (at most `limit`, by Redis's clock) and handed to the script with their keys,
    /// which rechecks each: one extended or settled in between is left alone.
    public func reap(maxAttempts: Int, limit: Int = 500, logger: Logger) async throws -> (recovered: Int, dead: Int) {
        let expired =
            try await redis.run(
                JobScripts.expired, keys: [keys.inflight], arguments: [limit], logger: logger
            ).array?.compactMap(\.string) ?? []
        guard !expired.isEmpty else { return (0, 0) }
        let reply = try await redis.run(
            JobScripts.reap, keys: [keys.scheduled, keys.inflight, keys.dead, keys.wake] + expired.map(keys.job),
            arguments: [maxAttempts] + expired, logger: logger
        )
        let values = reply.array?.compactMap(\.int) ?? []
        return (values.first ?? 0, values.dropFirst().first ?? 0)
    }

    /// Puts a dead job back on the schedule, due now; false when it is not dead.
    public func resurrect(_ member: String, logger: Logger) async throws -> Bool {
        let reply = try await redis.run(
            JobScripts.resurrect, keys: [keys.scheduled, keys.dead, keys.wake, keys.job(member)], arguments: [member],
            logger: logger
        )
        return reply.int == 1
    }

    /// The most recently dead jobs first, at most `limit`.
    public func dead(limit: Int = 100, logger: Logger) async throws -> [DeadJob] {
        let entries = try await redis.send(RedisCommand("ZREVRANGE", keys.dead, 0, limit - 1, "WITHSCORES"), logger: logger).array ?? []
        var members: [(String, Double)] = []
        for index in stride(from: 0, to: entries.count - 1, by: 2) {
            if let member = entries[index].string, let score = entries[index + 1].string.flatMap(Double.init) {
                members.append((member, score))
            }
        }
        guard !members.isEmpty else { return [] }
        let details = try await redis.pipeline(
            members.map { RedisCommand("HMGET", keys.job($0.0), "attempts", "error") }, logger: logger)
        return zip(members, details).map { entry, detail in
            let fields = detail.array ?? []
            return DeadJob(
                kind: kind,
                member: entry.0, attempts: fields.first?.int ?? 0, lastError: fields.dropFirst().first?.string,
                diedAt: Date(timeIntervalSince1970: entry.1 / 1000)
            )
        }
    }

    /// One point of the queue's recent history.
    public struct HistorySample: Sendable, Equatable {
        public var at: Date
        /// How long the oldest due job had waited.
        public var lagMilliseconds: Int
        /// Jobs finished since the previous sample.
        public var done: Int
    }

    /// How wide a history bucket is, and how many are kept (10 minutes).
    static let historyBucket = Duration.seconds(10)
    static let historyBuckets = 60

    /// Records the queue's lag in the current bucket, unless another worker did already.
    public func recordHistory(lagMilliseconds: Int, logger: Logger) async throws {
        try await redis.run(
            JobScripts.history, keys: [keys.history, keys.done],
            arguments: [lagMilliseconds, Self.milliseconds(Self.historyBucket), Self.historyBuckets], logger: logger
        )
    }

    /// The recorded samples, oldest first, each with the jobs done since the one before.
    public func history(logger: Logger) async throws -> [HistorySample] {
        let fields = try await redis.send(RedisCommand("HGETALL", keys.history), logger: logger).array?.compactMap(\.string) ?? []
        var points: [(bucket: Int, lag: Int, done: Int)] = []
        for index in stride(from: 0, to: fields.count - 1, by: 2) {
            let values = fields[index + 1].split(separator: ",").compactMap { Int($0) }
            if let bucket = Int(fields[index]), values.count == 2 { points.append((bucket, values[0], values[1])) }
        }
        points.sort { $0.bucket < $1.bucket }
        let width = Double(Self.milliseconds(Self.historyBucket))
        return zip(points.dropFirst(), points).map { point, previous in
            HistorySample(
                at: Date(timeIntervalSince1970: Double(point.bucket) * width / 1000), lagMilliseconds: point.lag,
                done: max(0, point.done - previous.done)
            )
        }
    }

    /// Queue sizes, and the lag of the oldest due job, on Redis's clock.
    public func depth(logger: Logger) async throws -> QueueDepth {
        let replies = try await redis.pipeline(
            [
                RedisCommand("TIME"),
                RedisCommand("ZCARD", keys.scheduled),
                RedisCommand("ZCARD", keys.inflight),
                RedisCommand("ZCARD", keys.dead),
                RedisCommand("ZRANGE", keys.scheduled, 0, 0, "WITHSCORES"),
            ], logger: logger)
        let time = replies[0].array?.compactMap(\.int) ?? [0, 0]
        let now = time[0] * 1000 + (time.count > 1 ? time[1] / 1000 : 0)
        let due = try await redis.send(RedisCommand("ZCOUNT", keys.scheduled, "-inf", now), logger: logger).int ?? 0
        let oldest = replies[4].array?.dropFirst().first?.string.flatMap(Double.init).map(Int.init) ?? now
        return QueueDepth(
            scheduled: replies[1].int ?? 0, due: due, inFlight: replies[2].int ?? 0, dead: replies[3].int ?? 0,
            oldestDueLagMilliseconds: max(0, now - oldest)
        )
    }

    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded(.up)) }
    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
