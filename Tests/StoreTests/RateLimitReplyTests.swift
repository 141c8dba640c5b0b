import Redis
import Testing

@testable import Store

/// The rate-limit script's reply read into a decision: four integers, or an error that names
/// the reply's shape.
@Suite("Rate-limit replies")
struct RateLimitReplyTests {
    @Test func fourIntegersAreADecision() throws {
        let reply = RESPValue.array([.integer(1), .integer(7), .integer(0), .bulkString(Array("1500000".utf8))])
        #expect(
            try RateLimiter.decision(from: reply)
                == RateLimitDecision(allowed: true, remaining: 7, retryAfterSeconds: 0, resetSeconds: 2))
        let rejected = RESPValue.array([.integer(0), .integer(-3), .integer(1), .integer(1_000_000)])
        #expect(
            try RateLimiter.decision(from: rejected)
                == RateLimitDecision(allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 1))
    }

    @Test func anyOtherShapeIsAProtocolError() {
        let shapes: [RESPValue] = [
            .integer(1), .null, .array([]), .array([.integer(1), .integer(2), .integer(3)]),
            .array([.integer(1), .integer(2), .integer(3), .integer(4), .integer(5)]),
            .array([.integer(1), .null, .integer(3), .integer(4)]),
            .array([.integer(1), .integer(2), .integer(3), .simpleString("soon")]),
        ]
        for reply in shapes {
            #expect(throws: RedisError.self, "\(reply)") { try RateLimiter.decision(from: reply) }
            do {
                _ = try RateLimiter.decision(from: reply)
            } catch {
                #expect(error.code == .protocolError, "\(reply)")
            }
        }
        do {
            _ = try RateLimiter.decision(from: .error("ERR script"))
            Issue.record("an error reply made a decision")
        } catch {
            #expect(error.code == .server)
        }
    }
}
