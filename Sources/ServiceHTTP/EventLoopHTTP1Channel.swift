import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ProcessSupport

/// Hummingbird's HTTP/1.1 connection, handled with its channel's event loop as its task's
/// executor (``EventLoopTaskExecutor``): reading requests, the router and writing responses
/// then run on the loop that does the connection's I/O, and their `async` calls go on at once
/// instead of each being enqueued on the loop again.
public struct EventLoopHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
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
