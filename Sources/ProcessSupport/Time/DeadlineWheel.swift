import NIOCore
import NIOPosix
import Synchronization

/// Many short deadlines watched by one repeating timer, for work that must answer within its
/// time whether or not it honours cancellation (``Deadline/race(_:on:_:)`` with a timer of its
/// own costs an event-loop timer set and cancelled per call: at thousands of requests a second,
/// a share of each request's CPU).
///
/// A deadline fires between its time and one `tick` later. Each race still runs its work in a
/// task of its own, so the caller can be answered while the work is left to finish.
public final class DeadlineWheel: Sendable {
    /// The process's wheel for request deadlines (a 50 ms tick, started on first use).
    public static let requests = DeadlineWheel(tick: .milliseconds(50))

    @usableFromInline
    struct Watch: Sendable {
        let due: NIODeadline
        let expire: @Sendable () -> Void

        @usableFromInline
        init(due: NIODeadline, expire: @escaping @Sendable () -> Void) {
            self.due = due
            self.expire = expire
        }
    }

    private let watches = Mutex<(next: UInt64, pending: [UInt64: Watch])>((0, [:]))
    private let tick: TimeAmount
    private let started = Mutex(false)
    private let eventLoop: any EventLoop

    public init(tick: TimeAmount, on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.tick = tick
        self.eventLoop = eventLoop
    }

    /// Runs `work` and returns its result, or throws ``DeadlineExceeded`` once `timeout` has
    /// passed (then `work` is cancelled and left to finish on its own). `work`'s task prefers
    /// `executor` (an unstructured task inherits no preference of its caller's). Inlinable: each
    /// caller's module specializes it (and ``RaceOutcome``) for its result.
    @inlinable
    public func race<T: Sendable>(
        _ timeout: Duration, executor: (any TaskExecutor)? = nil, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        startIfNeeded()
        let outcome = RaceOutcome<T>()
        let task = Task(executorPreference: executor) {
            do {
                outcome.end(.success(try await work()))
            } catch {
                outcome.end(.failure(error))
            }
        }
        let components = timeout.components
        let due = NIODeadline.now() + .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
        // Whichever of the two ends the race first wins.
        let id = watch(
            Watch(due: due) {
                outcome.end(.failure(DeadlineExceeded(after: timeout)))
                task.cancel()
            })
        return try await withTaskCancellationHandler {
            defer { unwatch(id) }
            return try await withUnsafeThrowingContinuation { outcome.wait($0) }
        } onCancel: {
            task.cancel()
        }
    }

    /// How many deadlines are being watched.
    public var count: Int { watches.withLock { $0.pending.count } }

    @usableFromInline
    func watch(_ watch: Watch) -> UInt64 {
        watches.withLock { state in
            state.next &+= 1
            state.pending[state.next] = watch
            return state.next
        }
    }

    @usableFromInline
    func unwatch(_ id: UInt64) {
        _ = watches.withLock { $0.pending.removeValue(forKey: id) }
    }

    @usableFromInline
    func startIfNeeded() {
        guard
            started.withLock({ started in
                defer { started = true }
                return !started
            })
        else { return }
        eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [self] _ in expireDue() }
    }

    /// Fires the deadlines that have passed, outside the lock (each resumes a waiting caller).
    private func expireDue() {
        let now = NIODeadline.now()
        let due: [Watch] = watches.withLock { state in
            let ids = state.pending.compactMap { $0.value.due <= now ? $0.key : nil }
            return ids.compactMap { state.pending.removeValue(forKey: $0) }
        }
        for watch in due { watch.expire() }
    }
}
