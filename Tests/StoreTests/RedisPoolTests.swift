import NIOCore
import NIOPosix
import TestSupport
import Testing

@testable import Redis

@Suite("Redis pool", .timeLimit(.minutes(1)))
struct RedisPoolTests {
    // MARK: Helpers

    /// Runs the Swift tasks that prefer it on one event loop's thread, as a gateway's request does.
    final class OnLoop: TaskExecutor {
        let eventLoop: any EventLoop

        init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    /// A pool of `size` connections to the test Redis over a group of two event loops, and the loops.
    func withPool(size: Int, _ body: (RedisPool, [any EventLoop]) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pool = RedisPool(configuration: try TestStores.redisConfiguration(), size: size, eventLoopGroup: group)
        do {
            try await body(pool, Array(group.makeIterator()))
        } catch {
            await pool.close()
            try await group.shutdownGracefully()
            throw error
        }
        await pool.close()
        try await group.shutdownGracefully()
    }

    // MARK: Which connection

    @Test func aCallerOnAnEventLoopGetsThatLoopsConnectionsInTurn() async throws {
        try await withPool(size: 4) { pool, loops in
            for loop in loops {
                try await withTaskExecutorPreference(OnLoop(loop)) {
                    var used: Set<ObjectIdentifier> = []
                    for _ in 0..<6 {
                        let connection = try await pool.connection()
                        #expect(connection.channel.eventLoop === loop)
                        #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
                        #expect(MultiThreadedEventLoopGroup.currentEventLoop === loop)
                        used.insert(ObjectIdentifier(connection))
                    }
                    #expect(used.count == 2)
                }
            }
        }
    }

    @Test func aCallerOffTheLoopsGetsEveryConnectionInTurn() async throws {
        try await withPool(size: 4) { pool, loops in
            var used: Set<ObjectIdentifier> = []
            for _ in 0..<8 {
                let connection = try await pool.connection()
                #expect(
                    try await connection.pipeline([RedisCommand("PING"), RedisCommand("ECHO", "x")]) == [
                        .simpleString("PONG"), .bulkString(Array("x".utf8)),
                    ])
                used.insert(ObjectIdentifier(connection))
            }
            #expect(used.count == 4)
            #expect(Set((0..<4).map { ObjectIdentifier(pool.eventLoop(ofSlot: $0)) }) == Set(loops.map { ObjectIdentifier($0) }))
        }
    }

    @Test func aLoopWithoutConnectionsSharesTheOthers() async throws {
        try await withPool(size: 1) { pool, loops in
            #expect(pool.eventLoop(ofSlot: 0) === loops[0])
            #expect(pool.slotIndex(on: loops[1]) == 0)
            #expect(pool.slotIndex(on: loops[0]) == 0)
            try await withTaskExecutorPreference(OnLoop(loops[1])) {
                let connection = try await pool.connection()
                #expect(connection.channel.eventLoop === loops[0])
                #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
            }
        }
    }
}
