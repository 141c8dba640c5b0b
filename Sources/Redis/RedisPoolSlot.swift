import NIOConcurrencyHelpers
import NIOCore

/// One place in a ``RedisPool``: a live connection, one being opened, or none.
///
/// Callers that arrive while a connection is being opened share that attempt.
final class RedisPoolSlot: Sendable {
    private enum State {
        case empty
        case connecting(EventLoopFuture<RedisConnection>)
        case connected(RedisConnection)
    }

    private let state = NIOLockedValueBox(State.empty)

    /// What a caller finds: a live connection, or an opening to wait for.
    private enum Lease {
        case ready(RedisConnection)
        case opening(EventLoopFuture<RedisConnection>)
    }

    func connection(
        eventLoop: any EventLoop,
        open: @escaping @Sendable () async throws(RedisError) -> RedisConnection
    ) async throws(RedisError) -> RedisConnection {
        // A live connection is returned as it is: awaiting a future of another event loop, even
        // a fulfilled one, would move the caller to that loop's thread.
        let lease: Lease = state.withLockedValue { state in
            switch state {
            case .connected(let connection) where connection.isActive:
                return .ready(connection)
            case .connecting(let future):
                return .opening(future)
            case .empty, .connected:
                let future = eventLoop.makeFutureWithTask { try await open() }
                state = .connecting(future)
                return .opening(future)
            }
        }
        let future: EventLoopFuture<RedisConnection>
        switch lease {
        case .ready(let connection): return connection
        case .opening(let opening): future = opening
        }
        do {
            let connection = try await future.get()
            state.withLockedValue { state in
                if case .connecting(let pending) = state, pending === future { state = .connected(connection) }
            }
            return connection
        } catch {
            state.withLockedValue { state in
                if case .connecting(let pending) = state, pending === future { state = .empty }
            }
            throw (error as? RedisError) ?? RedisError(.connectionFailed, String(describing: error))
        }
    }

    func close() async {
        let current = state.withLockedValue { state -> State in
            defer { state = .empty }
            return state
        }
        switch current {
        case .connected(let connection): await connection.close()
        case .connecting(let future): try? await future.get().close()
        case .empty: break
        }
    }
}
