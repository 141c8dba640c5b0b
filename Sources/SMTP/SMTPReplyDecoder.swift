import NIOCore

/// Splits the server's bytes into replies (`250-…` lines until `250 …`) and hands each to the
/// oldest waiting command, in order: so several commands may be written at once (PIPELINING).
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var buffer = ByteBuffer()
    private var lines: [String] = []
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    /// Replies that came before anyone asked (the greeting, which may beat the first `expect`).
    private var early: [SMTPReply] = []
    private var failure: (any Error)?

    /// A promise for the next reply; call on the channel's event loop.
    func expect(_ promise: EventLoopPromise<SMTPReply>) {
        if !early.isEmpty {
            promise.succeed(early.removeFirst())
        } else if let failure {
            promise.fail(failure)
        } else {
            waiting.append(promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex + 1
            // The line ending is cut as bytes: in a `String`, "\r\n" is one character.
            guard var bytes = buffer.readBytes(length: length) else { break }
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            let line = String(decoding: bytes, as: UTF8.self)
            guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
                fail(SMTPError(code: nil, message: "the server's reply could not be read", isTransient: true), context: context)
                return
            }
            lines.append(String(line.dropFirst(4)))
            // `250-` continues the reply; `250 ` (or a bare `250`) ends it.
            if line.utf8.count == 3 || line.utf8[line.utf8.index(line.utf8.startIndex, offsetBy: 3)] != UInt8(ascii: "-") {
                let reply = SMTPReply(code: code, lines: lines)
                lines = []
                if !waiting.isEmpty {
                    waiting.removeFirst().succeed(reply)
                } else if early.count < 8 {
                    early.append(reply)
                } else {
                    fail(SMTPError(code: code, message: "the server replied without being asked", isTransient: true), context: context)
                    return
                }
            }
        }
        buffer.discardReadBytes()
        if buffer.readableBytes > 64 * 1024 {
            fail(SMTPError(code: nil, message: "the server's reply is too long", isTransient: true), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPError(code: nil, message: "the server closed the connection", isTransient: true), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        let pending = waiting
        waiting = []
        for promise in pending { promise.fail(error) }
        context.close(promise: nil)
    }
}
