import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import ProcessSupport

/// Hummingbird's HTTP/1.1 connection, handled with its channel's event loop as its task's
/// executor (``EventLoopTaskExecutor``): reading requests, the router and writing responses
/// then run on the loop that does the connection's I/O, and their `async` calls go on at once
/// instead of each being enqueued on the loop again.
public struct EventLoopHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel

    /// Hummingbird's pipeline (`HTTP1Channel.setup`), with ``HTTP1ServerCodec`` in place of NIO's
    /// response encoder and the codec between NIO's and Swift's HTTP types.
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let configuration = base.configuration
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)))
            try pipeline.addHandler(HTTP1ServerCodec())
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor.of(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 as `.http1(configuration:)`, each connection on its own loop (``EventLoopHTTP1Channel``).
    public static func http1OnEventLoops(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in EventLoopHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}
