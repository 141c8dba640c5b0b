import NIOConcurrencyHelpers
import NIOCore

/// A few pipelined connections to one Redis server, handed out in turn: the single-node
/// client's pool, and one per node of a cluster.
final class RedisPool: Sendable {
    /// How each connection is opened (the server's host and port, credentials, database).
    let configuration: RedisConfiguration
    let eventLoopGroup: any EventLoopGroup
    private let slots: [RedisPoolSlot]
    /// The next slot to hand out.
    private let next = NIOLockedValueBox(0)

    init(configuration: RedisConfiguration, size: Int, eventLoopGroup: any EventLoopGroup) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.slots = (0..<max(1, size)).map { _ in RedisPoolSlot() }
    }

    /// The next slot's connection, opened (or opened again) when it has none alive.
    func connection() async throws(RedisError) -> RedisConnection {
        let index = next.withLockedValue { next in
            defer { next &+= 1 }
            return next % slots.count
        }
        let (configuration, group) = (self.configuration, eventLoopGroup)
        return try await slots[index].connection(eventLoop: group.next()) { () async throws(RedisError) in
            try await RedisConnection.connect(configuration, eventLoopGroup: group)
        }
    }

    func close() async {
        for slot in slots { await slot.close() }
    }
}
