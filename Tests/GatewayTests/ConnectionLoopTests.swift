import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import NIOPosix
import ServiceHTTP
import Testing

/// A connection's requests run on its channel's event loop, through the request deadline's task
/// and every await of the handler, as the gateway serves them (`.http1OnEventLoops()` and
/// ``DeadlineResponder``): the test process keeps Swift's own pool as its global executor, so
/// code that left the loop would run on one of that pool's threads instead.
@Suite("Connections on their event loops", .timeLimit(.minutes(1)))
struct ConnectionLoopTests {
    /// A context that keeps its connection, to ask whether the handler runs on its loop.
    struct ChannelContext: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    @Test func aRequestRunsOnItsConnectionsLoopThroughItsAwaits() async throws {
        let router = Router(context: ChannelContext.self)
        router.get("/where") { _, context -> String in
            var steps = [context.channel.eventLoop.inEventLoop]
            for _ in 0..<3 {
                await Task.yield()
                steps.append(context.channel.eventLoop.inEventLoop)
            }
            try await Task.sleep(for: .milliseconds(5))
            steps.append(context.channel.eventLoop.inEventLoop)
            // A call answered from another loop's thread (a store's connection may be on any).
            let other = MultiThreadedEventLoopGroup.singleton.next()
            _ = try await other.submit { 1 }.get()
            steps.append(context.channel.eventLoop.inEventLoop)
            return steps.map { $0 ? "loop" : "elsewhere" }.joined(separator: " ")
        }
        let app = Application(
            responder: DeadlineResponder(base: router.buildResponder(), timeout: .seconds(10)), server: .http1OnEventLoops())
        try await app.test(.live) { client in
            for _ in 0..<4 {
                try await client.execute(uri: "/where", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == Array(repeating: "loop", count: 6).joined(separator: " "))
                }
            }
        }
    }
}
