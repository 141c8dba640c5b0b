import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A few pipelined connections to one Redis server: the single-node client's pool, and one per
/// node of a cluster.
///
/// The connections are spread over the group's event loops, and a caller running on one of them
/// gets a connection of its own loop (in turn among them): its command is written and its reply
/// resumes it on the thread it is on, where a connection of another loop costs two thread
/// switches per command. Callers elsewhere take the connections in turn.
final class RedisPool: Sendable {
    /// How each connection is opened (the server's host and port, credentials, database).
    let configuration: RedisConfiguration
    private let slots: [RedisPoolSlot]
    /// The event loop each slot's connection lives on, by the slot's index.
    private let loops: [any EventLoop]
    /// The slots of each event loop that has some.
    private let slotsOfLoop: [ObjectIdentifier: [Int]]
    /// The next turn.
    private let next = NIOLockedValueBox(0)

    init(configuration: RedisConfiguration, size: Int, eventLoopGroup: any EventLoopGroup) {
        self.configuration = configuration
        let groupLoops = Array(eventLoopGroup.makeIterator())
        let count = max(1, size)
        self.slots = (0..<count).map { _ in RedisPoolSlot() }
        let loops = (0..<count).map { groupLoops.isEmpty ? eventLoopGroup.next() : groupLoops[$0 % groupLoops.count] }
        self.loops = loops
        self.slotsOfLoop = Dictionary(grouping: 0..<count) { ObjectIdentifier(loops[$0]) }
    }

    /// A connection (opened, or opened again, when its slot has none alive).
    func connection() async throws(RedisError) -> RedisConnection {
        let index = slotIndex(on: MultiThreadedEventLoopGroup.currentEventLoop)
        let (configuration, loop) = (self.configuration, loops[index])
        return try await slots[index].connection(eventLoop: loop) { () async throws(RedisError) in
            try await RedisConnection.connect(configuration, eventLoopGroup: loop)
        }
    }

    /// The slot for a caller on `current`: one of that loop's in turn when it has some, else the next of all.
    func slotIndex(on current: (any EventLoop)?) -> Int {
        let turn = next.withLockedValue { next in
            defer { next &+= 1 }
            return next
        }
        if let current, let local = slotsOfLoop[ObjectIdentifier(current)] {
            return local[turn % local.count]
        }
        return turn % slots.count
    }

    /// The event loop of the slot at `index`.
    func eventLoop(ofSlot index: Int) -> any EventLoop { loops[index] }

    func close() async {
        for slot in slots { await slot.close() }
    }
}
