import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` on this connection's event loop and waits for the future it returns: one
    /// hand-over from another thread (`flatSubmit(_:).get()` costs two: the submission, then the
    /// wait's callback) and none from the loop's own thread. `body` runs only ``ifOpen(_:)``.
    func submitAndWait<Value: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<Value>) async throws -> Value {
        let eventLoop = eventLoop
        return try await withUnsafeThrowingContinuation { continuation in
            if eventLoop.inEventLoop {
                ifOpen(body).whenComplete { continuation.resume(with: $0) }
            } else {
                eventLoop.execute { [self] in ifOpen(body).whenComplete { continuation.resume(with: $0) } }
            }
        }
    }

    /// `body`'s future if this connection is open, else a failed one without running `body`.
    /// Called on the connection's event loop, where the check and `body`'s writes are one step.
    ///
    /// At a database restart postgres-nio 1.33.2's pool can lend a connection whose socket has
    /// just closed, before the pool hears of it, and a statement written to it is neither
    /// answered nor failed: it held its request until the deadline, its worker's batch until
    /// its bound (docs/postgres-nio-pool-restart.md). A statement written while the connection
    /// is open is postgres-nio's to fail if the socket closes later, and it does.
    func ifOpen<Value>(_ body: () -> EventLoopFuture<Value>) -> EventLoopFuture<Value> {
        guard !isClosed else {
            return eventLoop.makeFailedFuture(DatabaseError(code: .connection, source: "PostgresConnection.closedBeforeWrite"))
        }
        return body()
    }
}
