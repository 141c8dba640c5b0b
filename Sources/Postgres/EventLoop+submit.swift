import NIOCore

extension EventLoop {
    /// Runs `body` on this event loop and waits for the future it returns: one hand-over from
    /// another thread (`flatSubmit(_:).get()` costs two: the submission, then the wait's callback)
    /// and none from the loop's own thread.
    func submitAndWait<Value: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<Value>) async throws -> Value {
        try await withUnsafeThrowingContinuation { continuation in
            if inEventLoop {
                body().whenComplete { continuation.resume(with: $0) }
            } else {
                execute { body().whenComplete { continuation.resume(with: $0) } }
            }
        }
    }
}
