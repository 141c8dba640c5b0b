import Synchronization

/// The end of one race against a deadline (``DeadlineWheel``, ``Deadline``): the first of the
/// work's result and the deadline wins, and resumes the waiting caller from the thread it comes
/// on. (An `EventLoopPromise` would first hop to its event loop and back: two thread hand-overs
/// per call whose work ends on another thread.) Inlinable, as ``DeadlineWheel/race(_:executor:_:)``
/// is: unspecialized, every request looked up the metadata of its state, its lock and its
/// continuation at run time.
@usableFromInline
final class RaceOutcome<Value: Sendable>: Sendable {
    @usableFromInline
    enum State {
        /// Neither ended nor awaited yet.
        case running
        /// The caller waits; nothing has ended.
        case awaited(UnsafeContinuation<Value, any Error>)
        /// Ended before the caller began to wait.
        case ended(Result<Value, any Error>)
        /// The caller has its answer; later ends are dropped.
        case resumed
    }

    @usableFromInline
    let state = Mutex<State>(.running)

    @inlinable
    init() {}

    /// Ends the race with `result` unless it has ended already.
    @inlinable
    func end(_ result: Result<Value, any Error>) {
        let waiting: UnsafeContinuation<Value, any Error>? = state.withLock { state in
            switch state {
            case .running:
                state = .ended(result)
                return nil
            case .awaited(let continuation):
                state = .resumed
                return continuation
            case .ended, .resumed:
                return nil
            }
        }
        waiting?.resume(with: result)
    }

    /// Resumes `continuation` with the race's result, at once if it has ended. Called once.
    @inlinable
    func wait(_ continuation: UnsafeContinuation<Value, any Error>) {
        let ended: Result<Value, any Error>? = state.withLock { state in
            switch state {
            case .running:
                state = .awaited(continuation)
                return nil
            case .ended(let result):
                state = .resumed
                return result
            case .awaited, .resumed:
                preconditionFailure("a race is awaited once")
            }
        }
        if let ended { continuation.resume(with: ended) }
    }
}
