import Foundation
import Redis
import TestSupport
import Testing

@testable import Store

/// A request's admission on a real Redis: a signed-in request's session and rate limit in one
/// script, answering as the two scripts it replaced do.
@Suite("Request admission", .timeLimit(.minutes(2)))
struct RequestAdmissionTests {
    let logger = TestStores.logger
    /// Five requests at once, then one an hour: nothing refills while a test runs, however slowly.
    let policy = RateLimitPolicy(name: "admission-test", limit: 1, periodSeconds: 3600, burst: 5)

    func withAdmission(_ body: (RequestAdmission, SessionStore, RedisClient) async throws -> Void) async throws {
        let redis = RedisClient(configuration: try TestStores.redisConfiguration(), logger: logger)
        let sessions = SessionStore(redis: redis, ttl: .seconds(600))
        do {
            try await body(RequestAdmission(sessions: sessions, limiter: RateLimiter(redis: redis)), sessions, redis)
            await redis.shutdown()
        } catch {
            await redis.shutdown()
            throw error
        }
    }

    // MARK: One script

    @Test func aSignedInRequestGetsItsRoleAndCountsAgainstItsUser() async throws {
        try await withAdmission { admission, sessions, redis in
            let user = UUID()
            let session = try await sessions.create(userID: user, role: .vendor, userAgent: nil, ip: nil, logger: logger).session
            var remaining: [Int] = []
            for _ in 0..<6 {
                let outcome = try await admission.check(
                    session: (user, session.id), limit: policy, client: "unused", logger: logger)
                #expect(outcome.role == .vendor, "the role stays known when the limit refuses")
                remaining.append(outcome.decision.map { $0.allowed ? $0.remaining : -1 } ?? -2)
            }
            #expect(remaining == [4, 3, 2, 1, 0, -1], "five pass, the sixth is refused")
            // The counter is the user's, the one a check by name reaches.
            let key = RateLimiter.key(policy, subject: SessionStore.keyName(of: user))
            #expect(try await redis.send("EXISTS", key).int == 1)
            let byName = try await RateLimiter(redis: redis).check([(policy, SessionStore.keyName(of: user))], logger: logger)
            #expect(byName.first?.allowed == false, "the same counter, already spent")

            #expect(try await sessions.revoke(userID: user, sessionID: session.id, logger: logger))
            let revoked = try await admission.check(session: (user, session.id), limit: policy, client: "unused", logger: logger)
            #expect(revoked.role == nil, "a revoked session has no role")
            #expect(revoked.decision?.allowed == false, "and its requests still count")
        }
    }

    @Test func oneScriptAnswersAsTheTwoItReplaced() async throws {
        try await withAdmission { admission, sessions, redis in
            // Two users in the same state: one checked by the one script, one by the two.
            let one = UUID()
            let two = UUID()
            let first = try await sessions.create(userID: one, role: .customer, userAgent: nil, ip: nil, logger: logger).session
            let second = try await sessions.create(userID: two, role: .customer, userAgent: nil, ip: nil, logger: logger).session
            let started = ContinuousClock.now
            for index in 0..<7 {
                let combined = try await admission.check(session: (one, first.id), limit: policy, client: "unused", logger: logger)
                // The two single scripts the combined one replaced: the session touch, then the limit by name.
                var separate = try await admission.check(session: (two, second.id), limit: nil, client: "unused", logger: logger)
                separate.decision = try await RateLimiter(redis: redis).check([(policy, SessionStore.keyName(of: two))], logger: logger)
                    .first
                #expect(combined.role == separate.role, "request \(index)")
                #expect(combined.decision?.allowed == separate.decision?.allowed, "request \(index)")
                #expect(combined.decision?.remaining == separate.decision?.remaining, "request \(index)")
                // Each user's counter was spent moments apart from the other's, so their resets may
                // differ by a second's boundary, and by as long as the loop has taken (a loaded CI
                // machine once took two seconds).
                let resets = (combined.decision?.resetSeconds ?? -9, separate.decision?.resetSeconds ?? 9)
                let apart = 2 + Int((ContinuousClock.now - started).components.seconds)
                #expect(abs(resets.0 - resets.1) <= apart, "request \(index): \(resets)")
            }
        }
    }

    @Test func theSessionsLastSeenIsRefreshedWhenOld() async throws {
        try await withAdmission { admission, sessions, redis in
            let user = UUID()
            let session = try await sessions.create(userID: user, role: .customer, userAgent: nil, ip: nil, logger: logger).session
            let key = SessionStore.sessionKey(user, session.id)
            _ = try await redis.send("HSET", key, "ls", 1000)
            _ = try await admission.check(session: (user, session.id), limit: policy, client: "unused", logger: logger)
            let seen = try await redis.send("HGET", key, "ls").int ?? 0
            #expect(abs(seen - Int(Date().timeIntervalSince1970 * 1000)) < 60_000, "refreshed to Redis's clock")
        }
    }

    @Test func aRequestWithoutASessionCountsAgainstItsName() async throws {
        try await withAdmission { admission, _, redis in
            let subject = "198.51.100.\(Int.random(in: 1...254))-\(UUID().uuidString)"
            let outcome = try await admission.check(session: nil, limit: policy, client: subject, logger: logger)
            #expect(outcome.role == nil)
            #expect(outcome.decision?.remaining == 4)
            #expect(try await redis.send("EXISTS", RateLimiter.key(policy, subject: subject)).int == 1)
            let nobody = try await admission.check(session: nil, limit: nil, client: subject, logger: logger)
            #expect(nobody.role == nil && nobody.decision == nil, "nothing asked: nothing counted")
        }
    }

    // MARK: Replies

    @Test func theScriptsReplyIsReadOrRefused() throws {
        let reply = RESPValue.array([.bulkString(Array("admin".utf8)), .integer(1), .integer(3), .integer(0), .integer(200_000)])
        let outcome = try RequestAdmission.outcome(fromSignedIn: reply)
        #expect(outcome.role == .admin)
        #expect(outcome.decision == RateLimitDecision(allowed: true, remaining: 3, retryAfterSeconds: 0, resetSeconds: 1))
        let gone = try RequestAdmission.outcome(fromSignedIn: .array([.null, .integer(0), .integer(0), .integer(1), .integer(1)]))
        #expect(gone.role == nil && gone.decision?.allowed == false)
        for shape: RESPValue in [.null, .array([]), .array([.null, .integer(1), .integer(2), .integer(3)]), .integer(1)] {
            #expect(throws: RedisError.self, "\(shape)") { try RequestAdmission.outcome(fromSignedIn: shape) }
        }
        #expect(throws: RedisError.self) { try RequestAdmission.outcome(fromSignedIn: .error("ERR script")) }
    }
}
