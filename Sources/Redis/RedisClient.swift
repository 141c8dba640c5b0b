import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Our Redis client: a small pool of pipelined connections over hiredis' parser.
///
/// Connections open lazily and are replaced after any failure, so the client heals by itself
/// when Redis restarts. Blocking commands (`BLPOP`) must use ``withDedicatedConnection(for:_:)``.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    /// The server's connections; nil in cluster mode (each node has a pool of its own there).
    private let pool: RedisPool?
    private let state = NIOLockedValueBox(State())
    /// The cluster's nodes and slot map, in cluster mode.
    private let cluster: RedisCluster?

    private struct State {
        var isShutdown = false
    }

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.pool =
            configuration.isCluster
            ? nil : RedisPool(configuration: configuration, size: configuration.poolSize, eventLoopGroup: eventLoopGroup)
        self.cluster =
            configuration.isCluster ? RedisCluster(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger) : nil
    }

    /// Keeps the pool until graceful shutdown, then closes it (services that use Redis stop first).
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    public func shutdown() async {
        state.withLockedValue { $0.isShutdown = true }
        await pool?.close()
        await cluster?.shutdown()
    }

    // MARK: Commands

    /// Sends one command; an error reply is thrown as ``RedisError/Code/server``.
    @discardableResult
    public func send(
        _ command: RedisCommand, timeout: TimeAmount? = nil, logger: Logger? = nil
    ) async throws(RedisError) -> RESPValue {
        if let cluster {
            let reply = try await cluster.send(command, timeout: timeout)
            if case .error(let message) = reply { throw RedisError(.server, message) }
            return reply
        }
        let connection = try await connection()
        do {
            return try await connection.send(command, timeout: timeout)
        } catch {
            (logger ?? self.logger).debug(
                "redis command failed",
                metadata: error.logMetadata.merging(["redis.command": "\(command.name)"]) { _, own in own }
            )
            throw error
        }
    }

    @discardableResult
    public func send(_ name: String, _ arguments: any RESPArgument..., logger: Logger? = nil) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(name, arguments), logger: logger)
    }

    /// Sends commands in one round trip; error replies are returned in place, not thrown.
    public func pipeline(
        _ commands: [RedisCommand], timeout: TimeAmount? = nil, logger: Logger? = nil
    ) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        if let cluster {
            try checkOpen()
            return try await cluster.pipeline(commands, timeout: timeout)
        }
        return try await connection().pipeline(commands, timeout: timeout)
    }

    /// Runs a script by SHA, loading it with `EVAL` if the server lost it (`NOSCRIPT`).
    @discardableResult
    public func run(
        _ script: RedisScript, keys: [String], arguments: [any RESPArgument] = [], logger: Logger? = nil
    ) async throws(RedisError) -> RESPValue {
        let reply = try await run([ScriptCall(script, keys: keys, arguments: arguments)], logger: logger)[0]
        if case .error(let message) = reply { throw RedisError(.server, message) }
        return reply
    }

    /// Gives `body` a connection of its own, for blocking commands; it is closed afterwards. In
    /// cluster mode it goes to the primary of `key`'s slot: the key the blocking command waits on.
    public func withDedicatedConnection<T: Sendable>(
        for key: String? = nil, _ body: (RedisConnection) async throws -> T
    ) async throws -> T {
        try checkOpen()
        let connection =
            if let cluster {
                try await cluster.dedicatedConnection(for: key)
            } else {
                try await RedisConnection.connect(configuration, eventLoopGroup: eventLoopGroup)
            }
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    // MARK: Pool

    private func connection() async throws(RedisError) -> RedisConnection {
        try checkOpen()
        guard let pool else { throw RedisError(.shutdown, "no pool in cluster mode") }
        return try await pool.connection()
    }

    private func checkOpen() throws(RedisError) {
        if state.withLockedValue({ $0.isShutdown }) { throw RedisError(.shutdown, "client is shut down") }
    }
}
