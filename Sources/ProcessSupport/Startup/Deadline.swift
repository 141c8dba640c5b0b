import NIOCore
import NIOPosix

/// Bounds how long a caller waits for work, whether or not the work honours cancellation.
///
/// The work runs in a task of its own; when the deadline passes first, the caller gets
/// ``DeadlineExceeded`` at once and the work is cancelled and left to finish on its own (a
/// Postgres query on a half-dead connection may not stop when asked). The timer is an event-loop
/// task, not a `Task.sleep`: cancelling it frees it at once, where Linux keeps a cancelled sleep
/// until its deadline, which at thousands of requests a second is memory.
public enum Deadline {
    /// `executor`: where the work runs (Swift's shared pool when nil); an unstructured task does
    /// not inherit its caller's preference.
    public static func race<T: Sendable>(
        _ timeout: Duration, on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
        executor: (any TaskExecutor)? = nil, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = RaceOutcome<T>()
        let task = Task(executorPreference: executor) {
            do {
                outcome.end(.success(try await work()))
            } catch {
                outcome.end(.failure(error))
            }
        }
        // Whichever of the two ends the race first wins.
        let timer = eventLoop.scheduleTask(
            in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        ) {
            outcome.end(.failure(DeadlineExceeded(after: timeout)))
            task.cancel()
        }
        return try await withTaskCancellationHandler {
            defer { timer.cancel() }
            return try await withUnsafeThrowingContinuation { outcome.wait($0) }
        } onCancel: {
            task.cancel()
        }
    }
}
