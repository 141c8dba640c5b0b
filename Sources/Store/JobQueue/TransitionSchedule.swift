import Foundation
import Logging
import NIOCore
import ProcessSupport
import Redis

/// The one store function order code calls to schedule or drop an order's automatic move.
///
/// Postgres stays the truth (`status`, `auto_process_at`): a failed enqueue is logged, not
/// thrown; it is tried again by ``ScheduleRetries``, and the reconciler re-enqueues whatever is
/// still missing from Redis.
public struct TransitionSchedule: Sendable {
    let queue: JobQueue
    /// Where a failed enqueue waits to be tried again (nil: left to the reconciler alone).
    let retries: ScheduleRetries?

    public init(redis: RedisClient, retries: ScheduleRetries? = nil) {
        self.queue = JobQueue(redis: redis)
        self.retries = retries
    }

    /// Schedules the move; scheduling the same order again keeps its first due time.
    ///
    /// Order creation calls this inside its transaction, before the commit: a gateway that dies
    /// right after the commit has scheduled the move already, and one that dies before it leaves
    /// a job for an order that does not exist, which a worker acks as a no-op. `timeout` bounds
    /// the wait so that a stalled Redis delays the commit by at most that much.
    public func schedule(orderID: UUID, dueAt: Date, timeout: TimeAmount? = nil, logger: Logger) async {
        do {
            try await queue.enqueue(JobQueue.member(orderID: orderID), dueAt: dueAt, timeout: timeout, logger: logger)
        } catch {
            let kept = retries?.add(orderID: orderID, dueAt: dueAt) ?? false
            logger.warning(
                kept
                    ? "could not enqueue the order's transition; trying again until Redis answers"
                    : "could not enqueue the order's transition; the reconciler will",
                metadata: Logger.Metadata.describing(error, ["order.id": "\(orderID)"])
            )
        }
    }

    /// Schedules again the move of an order its payment held, now that it is authorised: due now
    /// at the latest (a move still scheduled keeps its own, later time; one its job found waiting,
    /// and acked, runs at once). If its job is in flight at this moment the enqueue is refused and
    /// that job acks it as waiting: the reconciler's next pass enqueues it (a pending order with
    /// an authorised payment is one it looks for).
    public func resume(orderID: UUID, logger: Logger) async {
        await schedule(orderID: orderID, dueAt: Date(), timeout: .milliseconds(500), logger: logger)
    }

    /// Drops the scheduled move (a cancelled order); a race with a worker is harmless, since the
    /// worker's update is conditional on the order still being pending.
    public func unschedule(orderID: UUID, logger: Logger) async {
        do {
            try await queue.remove(JobQueue.member(orderID: orderID), logger: logger)
        } catch {
            logger.warning(
                "could not remove the order's scheduled transition", metadata: Logger.Metadata.describing(error, ["order.id": "\(orderID)"])
            )
        }
    }

}
