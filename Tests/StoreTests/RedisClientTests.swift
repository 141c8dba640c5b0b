import Foundation
import Logging
import NIOCore
import NIOPosix
import ProcessSupport
import Redis
import Store
import TestSupport
import Testing

@Suite("Redis client", .timeLimit(.minutes(2)))
struct RedisClientTests {
    // MARK: Helpers

    /// A client on the shared test Redis, with keys under a prefix of this test's own.
    func withClient<T: Sendable>(url: String = TestStores.redisURL, _ body: (RedisClient, String) async throws -> T) async throws -> T {
        var configuration = try RedisConfiguration(url: url)
        // Long enough for a run whose start holds tasks back for seconds on two busy cores; the
        // tests of timeouts give their own.
        configuration.commandTimeout = .seconds(15)
        let client = RedisClient(configuration: configuration, logger: TestStores.logger)
        let prefix = "test:\(UUID().uuidString):"
        do {
            let result = try await body(client, prefix)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    // MARK: Replies

    @Test func roundTripsStringsIntegersNilAndArrays() async throws {
        try await withClient { redis, prefix in
            try await redis.send("SET", prefix + "s", "héllo wörld")
            #expect(try await redis.send("GET", prefix + "s").string == "héllo wörld")
            #expect(try await redis.send("INCRBY", prefix + "n", 41).int == 41)
            #expect(try await redis.send("INCR", prefix + "n") == .integer(42))
            #expect(try await redis.send("GET", prefix + "missing").isNull)
            try await redis.send("RPUSH", prefix + "l", "a", "b", "c")
            #expect(
                try await redis.send("LRANGE", prefix + "l", 0, -1)
                    == .array([.bulkString(Array("a".utf8)), .bulkString(Array("b".utf8)), .bulkString(Array("c".utf8))]))
            #expect(try await redis.send("PING") == .simpleString("PONG"))
            try await redis.send("DEL", prefix + "s", prefix + "n", prefix + "l")
        }
    }

    @Test func isBinarySafe() async throws {
        try await withClient { redis, prefix in
            let bytes: [UInt8] = [0, 13, 10, 255, 36, 42]
            try await redis.send(RedisCommand("SET", [prefix + "b", bytes]))
            #expect(try await redis.send("GET", prefix + "b") == .bulkString(bytes))
            try await redis.send("DEL", prefix + "b")
        }
    }

    /// Each kind of argument framed in place (its length in decimal, then its bytes): whole
    /// numbers at their extremes, an empty value, a value longer than any buffer's first size.
    @Test func sendsEveryKindOfArgumentAsItsBytes() async throws {
        try await withClient { redis, prefix in
            let long = String(repeating: "0123456789abcdef", count: 8_192)
            let values: [(any RESPArgument, [UInt8])] = [
                (0, Array("0".utf8)), (-1, Array("-1".utf8)), (Int.max, Array(String(Int.max).utf8)),
                (Int.min, Array(String(Int.min).utf8)), (Int64(-9_000_000_000), Array("-9000000000".utf8)),
                (1.5, Array("1.5".utf8)), (-0.25, Array("-0.25".utf8)), ("", []), ("é\r\n$*", Array("é\r\n$*".utf8)),
                (long.dropFirst(3), Array(long.utf8.dropFirst(3))), ([UInt8](), []), (long, Array(long.utf8)),
            ]
            for (index, (argument, bytes)) in values.enumerated() {
                try await redis.send(RedisCommand("SET", [prefix + "\(index)", argument]))
                #expect(try await redis.send("GET", prefix + "\(index)") == .bulkString(bytes), "argument \(index)")
                #expect(try await redis.send("STRLEN", prefix + "\(index)").int == bytes.count)
            }
            try await redis.send(RedisCommand("DEL", values.indices.map { prefix + "\($0)" }))
        }
    }

    @Test func surfacesServerErrorsAsTypedErrors() async throws {
        try await withClient { redis, prefix in
            try await redis.send("SET", prefix + "text", "not a number")
            let error = await #expect(throws: RedisError.self) { try await redis.send("INCR", prefix + "text") }
            #expect(error?.code == .server)
            #expect(error?.message.hasPrefix("ERR") == true)
            // The connection is still usable after an error reply.
            #expect(try await redis.send("GET", prefix + "text").string == "not a number")
            try await redis.send("DEL", prefix + "text")
        }
    }

    @Test func pipelinesInOneRoundTripKeepingErrorsInPlace() async throws {
        try await withClient { redis, prefix in
            let replies = try await redis.pipeline([
                RedisCommand("SET", prefix + "p", "1"),
                RedisCommand("INCR", prefix + "p"),
                RedisCommand("LPUSH", prefix + "p", "x"),
                RedisCommand("GET", prefix + "p"),
            ])
            #expect(replies.count == 4)
            #expect(replies[1] == .integer(2))
            guard case .error(let message) = replies[2] else {
                Issue.record("expected WRONGTYPE, got \(replies[2])")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(replies[3].string == "2")
            try await redis.send("DEL", prefix + "p")
        }
    }

    @Test func manyConcurrentCommandsGetTheirOwnReplies() async throws {
        try await withClient { redis, prefix in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        let echoed = try await redis.send("ECHO", "\(prefix)\(index)").string
                        #expect(echoed == "\(prefix)\(index)")
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func commandsSentInOneTurnOfTheLoopGoOutInOneWrite() async throws {
        try await PrivateRedisServer.with { server in
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let connection = try await RedisConnection.connect(try RedisConfiguration(url: server.url), eventLoopGroup: loop)
            /// The reads Redis has made from its clients' sockets (this one's `INFO` among them).
            func reads() async throws -> Int? {
                let info = try await connection.send(RedisCommand("INFO", "stats")).string ?? ""
                let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_reads_processed:") }
                return line.flatMap { Int($0.dropFirst("total_reads_processed:".count)) }
            }
            let before = try #require(try await reads())
            // Ten commands, each sent by a task of its own on the connection's loop, all queued
            // there before the first runs: as the requests a turn of the loop read from clients.
            let replies = try await withTaskExecutorPreference(EventLoopTaskExecutor.of(loop)) {
                try await withThrowingTaskGroup(of: RESPValue.self) { group in
                    for index in 0..<10 { group.addTask { try await connection.send(RedisCommand("ECHO", "\(index)")) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(Set(replies.compactMap(\.string)) == Set((0..<10).map { "\($0)" }))
            let after = try #require(try await reads())
            // One read for the ten, one for the second `INFO` (a write per command: eleven).
            #expect(after - before <= 3, "\(after - before) reads")
            await connection.close()
        }
    }

    // MARK: Scripts

    @Test func runsScriptsBySHAAndReloadsAfterScriptFlush() async throws {
        try await withClient { redis, prefix in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await redis.run(script, keys: [prefix + "c"], arguments: [5]) == .integer(5))
            try await redis.send("SCRIPT", "FLUSH")
            #expect(try await redis.send("SCRIPT", "EXISTS", script.sha1) == .array([.integer(0)]))
            #expect(try await redis.run(script, keys: [prefix + "c"], arguments: [2]) == .integer(7))
            #expect(try await redis.send("SCRIPT", "EXISTS", script.sha1) == .array([.integer(1)]))
            try await redis.send("DEL", prefix + "c")
        }
    }

    @Test func blockingCommandsRunOnADedicatedConnection() async throws {
        try await withClient { redis, prefix in
            async let popped = redis.withDedicatedConnection { connection in
                try await connection.send(RedisCommand("BLPOP", prefix + "q", 5), timeout: .seconds(6))
            }
            // The shared pool stays free while BLPOP blocks on its own connection.
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await redis.send("PING") == .simpleString("PONG"))
            try await redis.send("RPUSH", prefix + "q", "job-1")
            let reply = try await popped
            #expect(reply.array?.compactMap(\.string) == [prefix + "q", "job-1"])
        }
    }

    // MARK: Failures

    @Test func timesOutASlowCommand() async throws {
        try await withClient { redis, prefix in
            let error = await #expect(throws: RedisError.self) {
                try await redis.send(RedisCommand("BLPOP", prefix + "never", 5), timeout: .milliseconds(200))
            }
            #expect(error?.code == .timeout)
            let pong = try await redis.send("PING")
            #expect(pong == .simpleString("PONG"))
        }
    }

    /// One timer watches a connection's requests: a short deadline queued behind a long one is
    /// kept, and the connection is dropped for it (the long request fails with it).
    @Test func aShortDeadlineBehindALongOneIsKept() async throws {
        try await withClient { redis, prefix in
            try await redis.withDedicatedConnection { (connection: RedisConnection) async throws -> Void in
                let blocked = Task { () -> RedisError? in
                    do {
                        _ = try await connection.send(RedisCommand("BLPOP", prefix + "never", 5), timeout: .seconds(6))
                        return nil
                    } catch {
                        return error as? RedisError
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                let started = ContinuousClock.now
                let error = await #expect(throws: RedisError.self) {
                    try await connection.send(RedisCommand("PING"), timeout: .milliseconds(200))
                }
                #expect(error?.code == .timeout)
                #expect(ContinuousClock.now - started < .seconds(3), "timed out after \(ContinuousClock.now - started)")
                let dropped = await blocked.value
                #expect(dropped?.code == .connectionClosed, "the blocked command fails with its connection")
            }
        }
    }

    /// The timer, fired for a request already answered, is set again for those still waiting.
    @Test func aDeadlineAfterTheTimersFirstIsKept() async throws {
        try await withClient { redis, prefix in
            try await redis.withDedicatedConnection { (connection: RedisConnection) async throws -> Void in
                // Answered at once; the timer stays set for its 300 ms.
                #expect(try await connection.send(RedisCommand("PING"), timeout: .milliseconds(300)) == .simpleString("PONG"))
                let started = ContinuousClock.now
                let error = await #expect(throws: RedisError.self) {
                    try await connection.send(RedisCommand("BLPOP", prefix + "never", 5), timeout: .milliseconds(700))
                }
                #expect(error?.code == .timeout)
                #expect(ContinuousClock.now - started < .seconds(3), "timed out after \(ContinuousClock.now - started)")
            }
        }
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let server = try PrivateRedisServer()
        try await server.start()
        try await withClient(url: server.url) { redis, prefix in
            try await redis.send("SET", prefix + "k", "before")
            await server.stop()
            let down = await #expect(throws: RedisError.self) { try await redis.send("GET", prefix + "k") }
            #expect(down?.code == .connectionFailed)
            try await server.start()
            // A fresh server without persistence: the key is gone, but the client works again at once.
            #expect(try await redis.send("GET", prefix + "k").isNull)
            try await redis.send("SET", prefix + "k", "after")
            #expect(try await redis.send("GET", prefix + "k").string == "after")
        }
        await server.stop()
    }

    @Test func failsFastWhenNothingListens() async throws {
        let server = try PrivateRedisServer()
        try await withClient(url: server.url) { redis, _ in
            let error = await #expect(throws: RedisError.self) { try await redis.send("PING") }
            #expect(error?.code == .connectionFailed)
        }
    }
}
