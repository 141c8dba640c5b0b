import Foundation
import Logging
import ProcessSupport
import Redis
import ServiceLifecycle
import Synchronization

/// Order moves whose enqueue failed (Redis away), tried again every `interval` until Redis
/// takes them, so an order placed during a Redis outage still moves on time once Redis is back;
/// the reconciler remains the safety net for what this process could not keep (a full buffer, a
/// crash).
public final class ScheduleRetries: Service, Sendable {
    let queue: JobQueue
    let capacity: Int
    let interval: Duration
    let logger: Logger
    private let pending = Mutex<[UUID: Date]>([:])

    public init(redis: RedisClient, capacity: Int = 10_000, interval: Duration = .milliseconds(250), logger: Logger) {
        self.queue = JobQueue(redis: redis)
        self.capacity = capacity
        self.interval = interval
        self.logger = logger
    }

    /// Keeps the move to try again; false when the buffer is full (left to the reconciler).
    @discardableResult
    public func add(orderID: UUID, dueAt: Date) -> Bool {
        pending.withLock { pending in
            guard pending.count < capacity || pending[orderID] != nil else { return false }
            pending[orderID] = dueAt
            return true
        }
    }

    /// How many moves wait for Redis.
    public var count: Int { pending.withLock { $0.count } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
    }

    /// One round: every kept move in one round trip; those Redis took are done.
    func flush() async {
        let batch = pending.withLock { Array($0.prefix(500)) }
        guard !batch.isEmpty else { return }
        do {
            try await queue.enqueue(batch.map { (JobQueue.member(orderID: $0.key), $0.value) }, logger: logger)
            pending.withLock { pending in
                for (orderID, _) in batch { pending[orderID] = nil }
            }
            logger.notice("scheduled order moves that had failed to enqueue", metadata: ["job.count": "\(batch.count)"])
        } catch {
            logger.debug(
                "Redis still away; order moves kept for the next round",
                metadata: Logger.Metadata.describing(error, ["job.count": "\(batch.count)"]))
        }
    }
}
