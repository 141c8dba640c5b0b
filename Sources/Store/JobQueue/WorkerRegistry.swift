import Foundation
import Logging
import Redis

/// Worker heartbeats in Redis: each live worker refreshes a hash with a short TTL, so a dead
/// worker disappears from `/api/background/status` on its own.
public struct WorkerRegistry: Sendable {
    static let indexKey = "workers:{workers}"
    static func key(_ id: String) -> String { "workers:{workers}:\(id)" }
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// A worker as its last heartbeat described it.
    public struct Worker: Sendable, Equatable {
        public var id: String
        public var host: String
        public var pid: Int
        public var startedAt: Date
        public var lastSeenAt: Date
        public var jobsDone: Int

        public init(id: String, host: String, pid: Int, startedAt: Date, lastSeenAt: Date, jobsDone: Int) {
            self.id = id
            self.host = host
            self.pid = pid
            self.startedAt = startedAt
            self.lastSeenAt = lastSeenAt
            self.jobsDone = jobsDone
        }
    }

    public func beat(_ worker: Worker, ttl: Duration, logger: Logger) async throws {
        _ = try await redis.pipeline(
            [
                RedisCommand(
                    "HSET", Self.key(worker.id), "host", worker.host, "pid", worker.pid,
                    "started", worker.startedAt.timeIntervalSince1970, "seen", worker.lastSeenAt.timeIntervalSince1970,
                    "done", worker.jobsDone),
                RedisCommand("PEXPIRE", Self.key(worker.id), JobQueue.milliseconds(ttl)),
                RedisCommand("SADD", Self.indexKey, worker.id),
            ], logger: logger)
    }

    public func remove(id: String, logger: Logger) async throws {
        _ = try await redis.pipeline([RedisCommand("DEL", Self.key(id)), RedisCommand("SREM", Self.indexKey, id)], logger: logger)
    }

    /// Live workers; ids whose heartbeat expired are pruned from the index.
    public func list(logger: Logger) async throws -> [Worker] {
        let ids = try await redis.send(RedisCommand("SMEMBERS", Self.indexKey), logger: logger).array?.compactMap(\.string) ?? []
        guard !ids.isEmpty else { return [] }
        let replies = try await redis.pipeline(
            ids.map { RedisCommand("HMGET", Self.key($0), "host", "pid", "started", "seen", "done") }, logger: logger)
        var workers: [Worker] = []
        var gone: [String] = []
        for (id, reply) in zip(ids, replies) {
            let fields = reply.array ?? []
            guard fields.count == 5, let host = fields[0].string else {
                gone.append(id)
                continue
            }
            workers.append(
                Worker(
                    id: id, host: host, pid: fields[1].int ?? 0,
                    startedAt: Date(timeIntervalSince1970: fields[2].string.flatMap(Double.init) ?? 0),
                    lastSeenAt: Date(timeIntervalSince1970: fields[3].string.flatMap(Double.init) ?? 0),
                    jobsDone: fields[4].int ?? 0
                ))
        }
        if !gone.isEmpty { try await redis.send(RedisCommand("SREM", [Self.indexKey] + gone), logger: logger) }
        return workers.sorted { $0.startedAt < $1.startedAt }
    }
}
