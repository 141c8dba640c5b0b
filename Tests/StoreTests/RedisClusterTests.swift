import Foundation
import Logging
import NIOCore
import Redis
import TestSupport
import Testing

/// Our Redis client in cluster mode against a real Redis Cluster on loopback (three primaries,
/// a replica each): routing by slot, pipelines over several nodes, keys of several slots
/// refused unsent, `MOVED` after a slot's migration, `ASK` during one, a blocking pop on its
/// key's node, and a primary's failover.
@Suite(
    "Redis client on a cluster", .timeLimit(.minutes(3)),
    .enabled(if: ProcessInfo.processInfo.environment["CLUSTER_TESTS"] == "1", "run by make test-cluster"))
struct RedisClusterTests {
    let logger = TestStores.logger

    // MARK: Helpers

    /// A cluster of this test's own and a client that knows one of its nodes only.
    func withCluster(_ body: (PrivateRedisCluster, RedisClient) async throws -> Void) async throws {
        try await PrivateRedisCluster.with { cluster in
            var configuration = RedisConfiguration()
            configuration.clusterNodes = [cluster.endpoints[0]]
            let client = RedisClient(configuration: configuration, logger: logger)
            do {
                try await body(cluster, client)
                await client.shutdown()
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    /// Moves `key`'s slot, with the key, from its primary to another one as `redis-cli --cluster
    /// reshard` does, stopping after the key moved (mid-migration: the source answers `ASK`)
    /// unless `finish`. Returns the slot and its new primary.
    func migrate(
        slotOf key: String, in cluster: PrivateRedisCluster, finish: Bool
    ) async throws -> (slot: Int, target: PrivateRedisCluster.Primary) {
        let slot = RedisSlot.of(key)
        let source = try await cluster.primary(of: slot)
        let target = try await cluster.primaries().first { $0.id != source.id }!
        try await cluster.send(RedisCommand("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id), to: target.endpoint)
        try await cluster.send(RedisCommand("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id), to: source.endpoint)
        try await cluster.send(RedisCommand("MIGRATE", "127.0.0.1", target.endpoint.port, "", 0, 5000, "KEYS", key), to: source.endpoint)
        if finish { try await finishMigration(of: slot, to: target, in: cluster) }
        return (slot, target)
    }

    /// Gives `slot` to `target` on every primary.
    func finishMigration(of slot: Int, to target: PrivateRedisCluster.Primary, in cluster: PrivateRedisCluster) async throws {
        for primary in try await cluster.primaries() {
            try await cluster.send(RedisCommand("CLUSTER", "SETSLOT", slot, "NODE", target.id), to: primary.endpoint)
        }
    }

    // MARK: Routing

    @Test func slotsAgreeWithTheClusters() async throws {
        try await withCluster { _, redis in
            var keys = [
                "123456789", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "é{ü}",
            ]
            for _ in 0..<300 {
                let body = String((0..<Int.random(in: 1...20)).map { _ in "abc{}xyz019:-".randomElement()! })
                keys.append(body)
            }
            for key in keys {
                let slot = try await redis.send("CLUSTER", "KEYSLOT", key).int
                #expect(slot == RedisSlot.of(key), "\(key)")
            }
        }
    }

    @Test func pipelinesAreSplitByNodeAndAnsweredInOrder() async throws {
        try await withCluster { cluster, redis in
            let keys = (0..<300).map { "key-\($0)" }
            let sets = try await redis.pipeline(keys.map { RedisCommand("SET", $0, "value of \($0)") })
            #expect(sets.allSatisfy { $0 == .simpleString("OK") })
            let gets = try await redis.pipeline(keys.reversed().map { RedisCommand("GET", $0) })
            #expect(gets.map(\.string) == keys.reversed().map { "value of \($0)" })
            // Every primary holds its share, and only its share.
            var counts: [Int] = []
            for primary in try await cluster.primaries() {
                counts.append(try await cluster.send(RedisCommand("DBSIZE"), to: primary.endpoint).int ?? -1)
            }
            #expect(counts.count == 3 && counts.allSatisfy { $0 > 0 } && counts.reduce(0, +) == 300, "\(counts)")
            // A script runs on its keys' node.
            let script = RedisScript("return redis.call('GET', KEYS[1])")
            #expect(try await redis.run(script, keys: ["key-7"]).string == "value of key-7")
        }
    }

    @Test func keysOfSeveralSlotsAreRefusedUnsent() async throws {
        try await withCluster { _, redis in
            try await redis.send("SET", "{tag}a", "1")
            try await redis.send("SET", "{tag}b", "2")
            let refused = await #expect(throws: RedisError.self) { try await redis.send("DEL", "{tag}a", "other") }
            #expect(refused?.code == .crossSlot)
            let script = RedisScript("return redis.call('DEL', KEYS[1], KEYS[2])")
            let scriptRefused = await #expect(throws: RedisError.self) { try await redis.run(script, keys: ["{tag}a", "other"]) }
            #expect(scriptRefused?.code == .crossSlot)
            let pipelineRefused = await #expect(throws: RedisError.self) {
                try await redis.pipeline([RedisCommand("GET", "{tag}a"), RedisCommand("MGET", "{tag}a", "other")])
            }
            #expect(pipelineRefused?.code == .crossSlot)
            #expect(try await redis.send("GET", "{tag}a").string == "1", "nothing of a refused call was sent")
            #expect(try await redis.send("DEL", "{tag}a", "{tag}b").int == 2, "one tag, one slot: allowed")
        }
    }

    // MARK: Redirects

    @Test func aSlotMovedElsewhereIsFollowed() async throws {
        try await withCluster { cluster, redis in
            let key = "moving-key"
            try await redis.send("SET", key, "before")
            let (_, target) = try await migrate(slotOf: key, in: cluster, finish: true)
            // The client's map still names the source: it answers MOVED, and the client follows.
            #expect(try await redis.send("GET", key).string == "before")
            try await redis.send("SET", key, "after")
            #expect(try await cluster.send(RedisCommand("GET", key), to: target.endpoint).string == "after")
        }
    }

    @Test func aSlotMidMigrationIsAskedForOnItsNewNode() async throws {
        try await withCluster { cluster, redis in
            let (moved, new) = ("{moving}moved", "{moving}new")
            try await redis.send("SET", moved, "moved along")
            let (slot, target) = try await migrate(slotOf: moved, in: cluster, finish: false)
            // The source no longer has the key: it answers ASK, and the client asks the target.
            #expect(try await redis.send("GET", moved).string == "moved along")
            // A key created mid-migration goes to the target too.
            try await redis.send("SET", new, "made meanwhile")
            #expect(
                try await redis.pipeline([RedisCommand("GET", moved), RedisCommand("GET", new)]).map(\.string) == [
                    "moved along", "made meanwhile",
                ])
            try await finishMigration(of: slot, to: target, in: cluster)
            #expect(try await cluster.send(RedisCommand("GET", new), to: target.endpoint).string == "made meanwhile")
        }
    }

    // MARK: Blocking commands and failover

    @Test func aBlockingPopWaitsOnItsKeysNode() async throws {
        try await withCluster { cluster, redis in
            // A key that lives on another node than the one the client was given.
            var candidate = 0
            while try await cluster.primary(of: RedisSlot.of("wake-\(candidate)")).endpoint == cluster.endpoints[0] {
                candidate += 1
            }
            let key = "wake-\(candidate)"
            async let popped = redis.withDedicatedConnection(for: key) { connection in
                try await connection.send(RedisCommand("BLPOP", key, "5"), timeout: .seconds(7))
            }
            try await Task.sleep(for: .milliseconds(300))
            try await redis.send("LPUSH", key, "wake up")
            #expect(try await popped.array?.last?.string == "wake up")
        }
    }

    @Test func aFailedPrimarysSlotsAreFoundOnItsPromotedReplica() async throws {
        try await withCluster { cluster, redis in
            let keys = (0..<200).map { "survivor-\($0)" }
            _ = try await redis.pipeline(keys.map { RedisCommand("SET", $0, $0) })
            let victim = try await cluster.primary(of: RedisSlot.of(keys[0]))
            // The victim's replica has the writes before the primary goes (a replica that has
            // just joined may still be syncing: WAIT until it acknowledges).
            var acknowledged = 0
            for _ in 0..<20 where acknowledged < 1 {
                acknowledged = try await cluster.send(RedisCommand("WAIT", 1, 500), to: victim.endpoint).int ?? 0
            }
            #expect(acknowledged >= 1)
            _ = try? await ChildProcess.run(
                "/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(victim.endpoint.port), "shutdown", "nosave"])
            // Until the replica is promoted (the node timeout is 2 s) calls fail as transient errors.
            let deadline = ContinuousClock.now + .seconds(20)
            var answer: [String?] = []
            var errors: [RedisError] = []
            while ContinuousClock.now < deadline {
                do {
                    answer = try await redis.pipeline(keys.map { RedisCommand("GET", $0) }).map(\.string)
                    if answer == keys { break }
                } catch let error as RedisError {
                    errors.append(error)
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(answer == keys, "every key read from the promoted replica")
            #expect(errors.allSatisfy { $0.isTransient }, "\(errors.map { $0.debugDescription })")
            #expect(try await cluster.primary(of: RedisSlot.of(keys[0])).endpoint != victim.endpoint)
        }
    }

    /// A blocking command's connection, opened again after its primary failed, goes to the
    /// promoted replica although no pooled command has told the client of the failover.
    @Test func aBlockingPopAfterAFailoverWaitsOnThePromotedReplica() async throws {
        try await withCluster { cluster, redis in
            let key = "wake-after-failover"
            try await redis.send("SET", "{wake-after-failover}probe", "the map is read")
            let victim = try await cluster.primary(of: RedisSlot.of(key))
            var acknowledged = 0
            for _ in 0..<20 where acknowledged < 1 {
                acknowledged = try await cluster.send(RedisCommand("WAIT", 1, 500), to: victim.endpoint).int ?? 0
            }
            _ = try? await ChildProcess.run(
                "/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(victim.endpoint.port), "shutdown", "nosave"])
            // The cluster promotes the replica; the client is not asked anything meanwhile.
            var promoted = victim
            let deadline = ContinuousClock.now + .seconds(20)
            while promoted.endpoint == victim.endpoint, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                promoted = (try? await cluster.primary(of: RedisSlot.of(key))) ?? victim
            }
            #expect(promoted.endpoint != victim.endpoint)
            async let popped = redis.withDedicatedConnection(for: key) { connection in
                try await connection.send(RedisCommand("BLPOP", key, "5"), timeout: .seconds(7))
            }
            try await Task.sleep(for: .milliseconds(500))
            try await cluster.send(RedisCommand("LPUSH", key, "woken"), to: promoted.endpoint)
            #expect(try await popped.array?.last?.string == "woken")
        }
    }
}
