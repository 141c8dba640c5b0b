import Foundation
import Redis
import TestSupport
import Testing

@testable import Store

/// The session scripts declare every key they touch (Redis Cluster requires it): they are given
/// the user's sessions as the caller read them, and refuse to act on a list gone stale. Run on
/// the test Redis, and on `make test-cluster`'s cluster.
@Suite("Session store", .timeLimit(.minutes(2)))
struct SessionStoreTests {
    let logger = TestStores.logger

    func withStore(maxSessions: Int = 10, _ body: (SessionStore, RedisClient) async throws -> Void) async throws {
        let redis = RedisClient(configuration: try TestStores.redisConfiguration(), logger: logger)
        do {
            try await body(SessionStore(redis: redis, ttl: .seconds(600), maxSessions: maxSessions), redis)
            await redis.shutdown()
        } catch {
            await redis.shutdown()
            throw error
        }
    }

    @Test func revokingAllWithAStaleListChangesNothingAndTheStoreReadsAgain() async throws {
        try await withStore { store, redis in
            let user = UUID()
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try await store.create(userID: user, role: .customer, userAgent: nil, ip: nil, logger: logger).session.id)
            }
            // As if the third had started after the caller read the index.
            let stale = try await redis.run(
                SessionScripts.revokeAll, keys: [SessionStore.indexKey(user)] + ids.prefix(2).map { SessionStore.sessionKey(user, $0) },
                arguments: Array(ids.prefix(2)), logger: logger)
            #expect(stale.string == "RETRY")
            #expect(try await store.list(userID: user, logger: logger).count == 3, "nothing ended")
            try await store.revokeAll(userID: user, logger: logger)
            #expect(try await store.list(userID: user, logger: logger).isEmpty)
            for id in ids { #expect(try await redis.send("EXISTS", SessionStore.sessionKey(user, id)).int == 0) }
        }
    }

    @Test func pastTheCapTheOldestSessionsEndAfterTheIndexIsRead() async throws {
        try await withStore(maxSessions: 2) { store, redis in
            let user = UUID()
            var ids: [String] = []
            for _ in 0..<4 {
                ids.append(try await store.create(userID: user, role: .customer, userAgent: nil, ip: nil, logger: logger).session.id)
                try await Task.sleep(for: .milliseconds(3))
            }
            #expect(Set(try await store.list(userID: user, logger: logger).map(\.id)) == Set(ids.suffix(2)))
            for id in ids.prefix(2) { #expect(try await redis.send("EXISTS", SessionStore.sessionKey(user, id)).int == 0) }
            // Under the cap a session starts without reading the index: the script is given none.
            let fresh = UUID()
            let reply = try await redis.run(
                SessionScripts.create, keys: [SessionStore.sessionKey(fresh, "s1"), SessionStore.indexKey(fresh)],
                arguments: [fresh.uuidString.lowercased(), "customer", "hash", 600_000, "", "", "s1", 2], logger: logger)
            #expect(reply.int != nil)
            try await store.revokeAll(userID: user, logger: logger)
            try await store.revokeAll(userID: fresh, logger: logger)
        }
    }
}
