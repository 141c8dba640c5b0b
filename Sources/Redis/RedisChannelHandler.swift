import NIOCore

/// Writes pipelined commands and matches replies to them in order, parsing with hiredis.
///
/// Any protocol error or close fails every outstanding request: after that the reply stream
/// cannot be trusted, so the connection is dropped and the pool opens a new one.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    /// A request whose replies are still arriving.
    private struct Pending {
        var expected: Int
        var replies: [RESPValue]
        var deadline: NIODeadline
        var answer: @Sendable (Result<[RESPValue], RedisError>) -> Void
    }

    private let reader = RESPReader()
    private var pending = CircularBuffer<Pending>()
    private var closedError: RedisError?
    /// The one timer watching the requests' deadlines, set for the earliest when it was armed:
    /// under a steady flow it fires once per timeout and is set again, where a timer per request
    /// was set and cancelled for every call.
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?
    /// Whether a flush is already due once the event loop has run the tasks queued before it.
    private var flushDue = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.answer(.failure(closedError))
            promise?.fail(closedError)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * request.commands.count)
        for command in request.commands { command.encode(into: &buffer) }
        pending.append(Pending(expected: request.commands.count, replies: [], deadline: request.deadline, answer: request.answer))
        watch(request.deadline, context: context)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    /// Flushes once the event loop has run the tasks queued by now: the requests read from
    /// clients in one turn of the loop each write their command as their task runs, and the
    /// commands go out in one write, which Redis reads, runs and answers in one go. A flush per
    /// command cost a write here, and a read, a reply write and a wake-up on Redis' side, each.
    func flush(context: ChannelHandlerContext) {
        if flushDue { return }
        flushDue = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushDue = false
            context.flush()
        }
    }

    /// Makes sure the timer fires by `deadline`.
    private func watch(_ deadline: NIODeadline, context: ChannelHandlerContext) {
        if let timer, timer.deadline <= deadline { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in expire(context: context) }
        timer = (deadline, task)
    }

    /// At the timer: a request past its deadline means the reply stream is out of step with the
    /// queue, so the only safe move is to drop the connection (it fails the rest); otherwise the
    /// timer is set for the earliest deadline still pending.
    private func expire(context: ChannelHandlerContext) {
        timer = nil
        let now = NIODeadline.now()
        guard pending.contains(where: { $0.deadline <= now }) else {
            if let next = pending.lazy.map(\.deadline).min() { watch(next, context: context) }
            return
        }
        let closed = RedisError(.connectionClosed, "connection dropped: another request's reply did not come in time")
        if closedError == nil { closedError = closed }
        while let head = pending.popFirst() {
            head.answer(.failure(head.deadline <= now ? RedisError(.timeout, "no reply within the timeout") : closed))
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do throws(RedisError) {
            try reader.feed(buffer)
            while let value = try reader.next() {
                guard var head = pending.first else {
                    throw RedisError(.protocolError, "reply with no command waiting")
                }
                head.replies.append(value)
                if head.replies.count == head.expected {
                    pending.removeFirst()
                    head.answer(.success(head.replies))
                } else {
                    pending[pending.startIndex] = head
                }
            }
        } catch {
            failAll(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError(.connectionClosed, "connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RedisError(.connectionClosed, String(describing: error)))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        if closedError == nil { closedError = error }
        timer?.task.cancel()
        timer = nil
        while let head = pending.popFirst() { head.answer(.failure(error)) }
    }
}
