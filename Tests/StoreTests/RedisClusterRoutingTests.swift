import Foundation
import Testing

@testable import Redis
@testable import Store

/// The cluster mode's pure parts: slots, where a command's keys are, redirects, node addresses
/// (their behaviour against a real cluster: `RedisClusterTests`, in `make test-cluster`).
@Suite("Redis cluster routing")
struct RedisClusterRoutingTests {
    @Test func slotsFollowTheClustersHashTagRules() {
        // Redis Cluster's specification: CRC16 of "123456789" is 0x31C3.
        #expect(RedisSlot.of("123456789") == 0x31C3 % 16_384)
        #expect(RedisSlot.of("{user1000}.following") == RedisSlot.of("{user1000}.followers"))
        #expect(RedisSlot.of("foo{}{bar}") == RedisSlot.of(bytes: Array("foo{}{bar}".utf8)), "an empty tag hashes the whole key")
        #expect(RedisSlot.of("foo{{bar}}zap") == RedisSlot.of("{bar"), "the tag ends at the first }")
        #expect(RedisSlot.of("foo{bar}{zap}") == RedisSlot.of("bar"))
        #expect(RedisSlot.of("no tag") != RedisSlot.of("{no} tag") || RedisSlot.of("{no} tag") == RedisSlot.of("no"))
    }

    @Test func redirectsAndAddressesAreRead() {
        #expect(RedisEndpoint("127.0.0.1:7001") == RedisEndpoint(host: "127.0.0.1", port: 7001))
        #expect(RedisEndpoint("[::1]:7001") == RedisEndpoint(host: "::1", port: 7001))
        #expect(RedisEndpoint("[::1]:7001")?.description == "[::1]:7001")
        #expect(RedisEndpoint("host") == nil && RedisEndpoint(":7001") == nil && RedisEndpoint("h:0") == nil)
        let endpoint = RedisEndpoint(host: "10.0.0.7", port: 6380)
        #expect(RedisRedirect("MOVED 3999 10.0.0.7:6380") == .moved(slot: 3999, to: endpoint))
        #expect(RedisRedirect("ASK 3999 10.0.0.7:6380") == .ask(slot: 3999, to: endpoint))
        #expect(RedisRedirect("TRYAGAIN Multiple keys request during rehashing of slot") == .tryAgain)
        #expect(RedisRedirect("CLUSTERDOWN The cluster is down") == .tryAgain)
        #expect(RedisRedirect("ERR unknown command") == nil && RedisRedirect("MOVED x y") == nil)
    }

    /// A request's session touch and its user's rate limit go to one node in one round trip.
    @Test func aUsersSessionsAndRateLimitShareASlot() {
        for _ in 0..<50 {
            let user = UUID()
            let slot = RedisSlot.of(SessionStore.sessionKey(user, "s1"))
            #expect(RedisSlot.of(SessionStore.indexKey(user)) == slot)
            let policy = RateLimitPolicy(name: "general", limit: 10, periodSeconds: 1)
            #expect(RedisSlot.of(RateLimiter.key(policy, subject: SessionStore.keyName(of: user))) == slot)
        }
    }

    @Test func aCommandsKeysAreFoundWhereItsNameSaysTheyAre() throws {
        #expect(RedisCommand("GET", "a").keyIndices == [1])
        #expect(RedisCommand("PING").keyIndices.isEmpty && RedisCommand("CLUSTER", "SLOTS").keyIndices.isEmpty)
        #expect(RedisCommand("DEL", "a", "b", "c").keyIndices == [1, 2, 3])
        #expect(RedisCommand("MSET", "a", "1", "b", "2").keyIndices == [1, 3])
        #expect(RedisCommand("BLPOP", "a", "b", "0.5").keyIndices == [1, 2])
        #expect(RedisCommand("EVALSHA", "sha", 2, "k1", "k2", "arg").keyIndices == [3, 4])
        #expect(RedisCommand("EVALSHA", "sha", 0, "arg").keyIndices.isEmpty)
        #expect(RedisCommand("XREAD", "COUNT", 10, "BLOCK", 5000, "STREAMS", "s1", "s2", "0", "0").keyIndices == [6, 7])
        #expect(try RedisCommand("DEL", "{t}a", "{t}b").slot() == RedisSlot.of("t"))
        #expect(try RedisCommand("PING").slot() == nil)
        #expect(throws: RedisError.self) { try RedisCommand("DEL", "a", "b").slot() }
    }
}
