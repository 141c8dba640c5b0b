import Foundation
import Logging

/// The Redis side of delayed transitions: "move order X to processing at T" as a member of one
/// sorted set scored by the due time in milliseconds.
///
/// Postgres stays the truth (`status`, `auto_process_at`): a failed enqueue is logged, not
/// thrown, because the reconciler re-enqueues whatever is missing from here.
public struct TransitionSchedule: Sendable {
    /// Every job key shares the `{orders}` hash tag, so the job scripts run on Redis Cluster too.
    public static let scheduledKey = "jobs:{orders}:scheduled"
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    static func member(_ orderID: UUID) -> String { "\(orderID.uuidString.lowercased()):processing" }

    /// Schedules the move; scheduling the same order again keeps its first due time.
    public func schedule(orderID: UUID, dueAt: Date, logger: Logger) async {
        let score = Int((dueAt.timeIntervalSince1970 * 1000).rounded(.up))
        do {
            try await redis.send(RedisCommand("ZADD", Self.scheduledKey, "NX", score, Self.member(orderID)), logger: logger)
        } catch {
            logger.warning("could not enqueue the order's transition; the reconciler will", metadata: ["order.id": "\(orderID)", "error": "\(String(reflecting: error))"])
        }
    }

    /// Drops the scheduled move (a cancelled order); a race with a worker is harmless, since the
    /// worker's update is conditional on the order still being pending.
    public func unschedule(orderID: UUID, logger: Logger) async {
        do {
            try await redis.send(RedisCommand("ZREM", Self.scheduledKey, Self.member(orderID)), logger: logger)
        } catch {
            logger.warning("could not remove the order's scheduled transition", metadata: ["order.id": "\(orderID)", "error": "\(String(reflecting: error))"])
        }
    }

    /// When the order's move is scheduled, or nil when it is not.
    public func dueTime(orderID: UUID, logger: Logger) async throws -> Date? {
        let score = try await redis.send(RedisCommand("ZSCORE", Self.scheduledKey, Self.member(orderID)), logger: logger)
        return score.string.flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
    }
}
