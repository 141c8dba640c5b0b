import Logging
import NIOCore
import NIOPosix

/// One connection to Redis (TCP, or a Unix domain socket). Commands from any task are pipelined over it, replies matched in order.
public final class RedisConnection: Sendable {
    let channel: any Channel
    let commandTimeout: TimeAmount

    private init(channel: any Channel, commandTimeout: TimeAmount) {
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    public var isActive: Bool { channel.isActive }

    /// Opens a connection, authenticates and selects the database.
    public static func connect(
        _ configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(RedisError) -> RedisConnection {
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RedisChannelHandler())
                }
            }
        let channel: any Channel
        do {
            if let path = configuration.socketPath {
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            } else {
                channel = try await bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: configuration.host, port: configuration.port).get()
            }
        } catch {
            throw RedisError(.connectionFailed, "\(configuration.address): \(error)")
        }
        let connection = RedisConnection(channel: channel, commandTimeout: configuration.commandTimeout)
        do throws(RedisError) {
            var setup: [RedisCommand] = []
            if let password = configuration.password {
                if let username = configuration.username {
                    setup.append(RedisCommand("AUTH", username, password))
                } else {
                    setup.append(RedisCommand("AUTH", password))
                }
            }
            if configuration.database != 0 { setup.append(RedisCommand("SELECT", configuration.database)) }
            if !setup.isEmpty {
                for reply in try await connection.pipeline(setup) {
                    if case .error(let message) = reply { throw RedisError(.connectionFailed, message) }
                }
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Sends one command; an error reply is thrown as ``RedisError/Code/server``.
    public func send(_ command: RedisCommand, timeout: TimeAmount? = nil) async throws(RedisError) -> RESPValue {
        let reply = try await pipeline([command], timeout: timeout)[0]
        if case .error(let message) = reply { throw RedisError(.server, message) }
        return reply
    }

    /// Sends several commands in one write and returns their replies in order; error replies stay values.
    ///
    /// The request is set up (its deadline, its write, the wait for its replies) in one go on the
    /// channel's event loop: from another thread that is one hand-over, and none from the loop itself.
    public func pipeline(_ commands: [RedisCommand], timeout: TimeAmount? = nil) async throws(RedisError) -> [RESPValue] {
        let (channel, timeout) = (self.channel, timeout ?? commandTimeout)
        let result = await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<[RESPValue], RedisError>, Never>) in
            if channel.eventLoop.inEventLoop {
                Self.start(commands, on: channel, timeout: timeout, continuation)
            } else {
                channel.eventLoop.execute { Self.start(commands, on: channel, timeout: timeout, continuation) }
            }
        }
        return try result.get()
    }

    /// Writes `commands` and resumes `continuation` with their replies, a failure or a timeout: on
    /// the channel's event loop. The handler answers every request it takes (replies, a close, or
    /// its deadline), and an active channel's handlers are all in place on its own loop, so a
    /// request written to an active channel reaches it; one that closed a moment ago is answered
    /// here.
    private static func start(
        _ commands: [RedisCommand], on channel: any Channel, timeout: TimeAmount,
        _ continuation: UnsafeContinuation<Result<[RESPValue], RedisError>, Never>
    ) {
        guard channel.isActive else {
            continuation.resume(returning: .failure(RedisError(.connectionClosed, "connection closed")))
            return
        }
        let request = RedisRequest(commands: commands, deadline: .now() + timeout) { continuation.resume(returning: $0) }
        channel.writeAndFlush(request, promise: nil)
    }

    /// Starts closing without waiting, e.g. to end a blocking command from a shutdown handler.
    public func closeSoon() {
        channel.close(promise: nil)
    }

    public func close() async {
        try? await channel.close()
    }
}
