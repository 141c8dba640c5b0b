import Foundation
import Logging
import Redis

/// What operators see and do of a queue: its depth, recent history and dead jobs over every
/// partition, and a job run now.
extension JobQueue {
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

    /// Queue sizes over every partition, and the lag of the oldest due job, on Redis's clock.
    public func depth(logger: Logger) async throws -> QueueDepth {
        let replies = try await redis.run(
            keys.all.map { ScriptCall(JobScripts.depth, keys: [$0.scheduled, $0.inflight, $0.dead]) }, logger: logger)
        var depth = QueueDepth(scheduled: 0, due: 0, inFlight: 0, dead: 0, oldestDueLagMilliseconds: 0)
        for reply in replies {
            let values = reply.array?.compactMap(\.int) ?? []
            guard values.count == 6 else { throw RedisError(.protocolError, "unexpected depth reply") }
            depth.scheduled += values[1]
            depth.due += values[2]
            depth.inFlight += values[3]
            depth.dead += values[4]
            if values[5] >= 0 { depth.oldestDueLagMilliseconds = max(depth.oldestDueLagMilliseconds, values[0] - values[5]) }
        }
        return depth
    }

    /// The most recently dead jobs first, at most `limit`, of every partition.
    public func dead(limit: Int = 100, logger: Logger) async throws -> [DeadJob] {
        let sets = try await redis.pipeline(
            keys.all.map { RedisCommand("ZREVRANGE", $0.dead, 0, limit - 1, "WITHSCORES") }, logger: logger)
        var members: [(member: String, diedAt: Double)] = []
        for entries in sets.map({ $0.array ?? [] }) {
            for index in stride(from: 0, to: entries.count - 1, by: 2) {
                if let member = entries[index].string, let score = entries[index + 1].string.flatMap(Double.init) {
                    members.append((member, score))
                }
            }
        }
        members = Array(members.sorted { $0.diedAt > $1.diedAt }.prefix(limit))
        guard !members.isEmpty else { return [] }
        let details = try await redis.pipeline(
            members.flatMap {
                let partition = keys.partition(of: $0.member)
                return [RedisCommand("HGET", partition.attempts, $0.member), RedisCommand("HGET", partition.error, $0.member)]
            }, logger: logger)
        return members.enumerated().map { index, entry in
            DeadJob(
                kind: kind, member: entry.member, attempts: details[2 * index].int ?? 0, lastError: details[2 * index + 1].string,
                diedAt: Date(timeIntervalSince1970: entry.diedAt / 1000)
            )
        }
    }

    /// Makes `member` due now, wherever it is: a dead job is put back, a scheduled one brought
    /// forward, a missing one enqueued (one that runs now is left to finish).
    public func runNow(_ member: String, logger: Logger) async throws {
        if try await resurrect(member, logger: logger) { return }
        // Due now (not at 0, which the depth's lag would read as a job waiting since 1970).
        let partition = keys.partition(of: member)
        let now = Self.milliseconds(Date())
        let moved = try await redis.send(RedisCommand("ZADD", partition.scheduled, "XX", "CH", now, member), logger: logger).int ?? 0
        if moved == 0 {
            try await enqueue(member, dueAt: Date(), logger: logger)
        } else {
            _ = try await redis.pipeline(
                [RedisCommand("HSET", partition.due, member, now), wakeCommand([(partition.index, now)])], logger: logger)
        }
    }
}
