import NIOCore

/// Tells an open event stream that its client went away. Hummingbird allows a remote
/// half-close and does not read while a response is being written, so a closed tab would
/// otherwise be noticed only by the next heartbeat's failed write; the end of the client's input
/// (or of the connection) is seen here, first in the pipeline, as soon as it arrives.
final class ClientDepartureHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let departed: @Sendable () -> Void

    init(departed: @escaping @Sendable () -> Void) {
        self.departed = departed
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { departed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        departed()
        context.fireChannelInactive()
    }
}
