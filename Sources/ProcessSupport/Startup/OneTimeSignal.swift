import Synchronization

/// Something that happens once (a group started, a server listens); waiters before it wait,
/// waiters after it go straight on.
public final class OneTimeSignal: Sendable {
    private let state = Mutex<(happened: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    /// Marks it happened and lets every waiter go; later calls do nothing.
    public func release() {
        let waiting = state.withLock { state in
            state.happened = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    public func wait() async {
        await withCheckedContinuation { continuation in
            let happened = state.withLock { state in
                if !state.happened { state.waiting.append(continuation) }
                return state.happened
            }
            if happened { continuation.resume() }
        }
    }
}
