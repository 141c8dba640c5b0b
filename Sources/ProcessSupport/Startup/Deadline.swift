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
        let promise = eventLoop.makePromise(of: T.self)
        let task = Task(executorPreference: executor) {
            do {
                promise.succeed(try await work())
            } catch {
                promise.fail(error)
            }
        }
        // A promise completed twice keeps its first result: whichever of the two comes first wins.
        let timer = eventLoop.scheduleTask(
            in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        ) {
            promise.fail(DeadlineExceeded(after: timeout))
            task.cancel()
        }
        return try await withTaskCancellationHandler {
            defer { timer.cancel() }
            return try await promise.futureResult.get()
        } onCancel: {
            task.cancel()
        }
    }
}
