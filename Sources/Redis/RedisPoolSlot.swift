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

    func connection(
        eventLoop: any EventLoop,
        open: @escaping @Sendable () async throws(RedisError) -> RedisConnection
    ) async throws(RedisError) -> RedisConnection {
        let future: EventLoopFuture<RedisConnection> = state.withLockedValue { state in
            switch state {
            case .connected(let connection) where connection.isActive:
                return eventLoop.makeSucceededFuture(connection)
            case .connecting(let future):
                return future
            case .empty, .connected:
                let future = eventLoop.makeFutureWithTask { try await open() }
                state = .connecting(future)
                return future
            }
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
