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
        var promise: EventLoopPromise<[RESPValue]>
    }

    private let reader = RESPReader()
    private var pending = CircularBuffer<Pending>()
    private var closedError: RedisError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * request.commands.count)
        for command in request.commands { command.encode(into: &buffer) }
        pending.append(Pending(expected: request.commands.count, replies: [], promise: request.promise))
        context.write(wrapOutboundOut(buffer), promise: promise)
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
                    head.promise.succeed(head.replies)
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
        while let head = pending.popFirst() { head.promise.fail(error) }
    }
}
