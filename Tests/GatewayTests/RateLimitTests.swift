import Foundation
import HTTPTypes
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Gateway

@Suite("Rate limits", .timeLimit(.minutes(2)))
struct RateLimitTests {
    @Test func sixthWrongPasswordForOneUsernameIs429() async throws {
        let victim = try await createAccount(role: .customer)
        let bystander = try await createAccount(role: .customer)
        // Only the per-(IP, username) login limit is at its real default here.
        let app = try await makeAccountsGateway(["RATE_LIMIT_LOGIN_USER": "5/min"])
        try await app.test(.router) { client in
            for attempt in 1...5 {
                let response = try await client.post(
                    "/api/auth/login", json: #"{"username":"\#(victim.username)","password":"guess-\#(attempt)"}"#)
                #expect(response.status == .unauthorized, "attempt \(attempt)")
            }
            let sixth = try await client.post("/api/auth/login", json: #"{"username":"\#(victim.username)","password":"correct-horse"}"#)
            #expect(sixth.status == .tooManyRequests)
            #expect(Int(sixth.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(sixth.headers[.contentType] == "application/problem+json")
            #expect(sixth.headers[HTTPField.Name("RateLimit-Policy")!] == "5;w=60")
            // Other users from the same address are unaffected.
            _ = try await client.login(bystander.username)
        }
    }

    @Test func countersAreSharedByEveryGateway() async throws {
        let victim = try await createAccount(role: .customer)
        let first = try await makeAccountsGateway(["RATE_LIMIT_LOGIN_USER": "5/min"])
        let second = try await makeAccountsGateway(["RATE_LIMIT_LOGIN_USER": "5/min"])
        try await first.test(.router) { (one) async throws -> Void in
            try await second.test(.router) { (two) async throws -> Void in
                for attempt in 1...5 {
                    let client: any TestClientProtocol = attempt.isMultiple(of: 2) ? one : two
                    #expect(
                        try await client.post("/api/auth/login", json: #"{"username":"\#(victim.username)","password":"guess"}"#).status
                            == .unauthorized)
                }
                #expect(
                    try await one.post("/api/auth/login", json: #"{"username":"\#(victim.username)","password":"guess"}"#).status
                        == .tooManyRequests)
                #expect(
                    try await two.post("/api/auth/login", json: #"{"username":"\#(victim.username)","password":"guess"}"#).status
                        == .tooManyRequests)
            }
        }
    }

    @Test func authenticatedRequestsCarryHeadersAndAreLimitedPerUser() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway(["RATE_LIMIT_USER": "1/min:3"])
        try await app.test(.router) { client in
            let token = try await client.login(user.username).access
            var statuses: [Int] = []
            var remainders: [String] = []
            for _ in 0..<4 {
                let response = try await client.send(.get, "/api/auth/me", token: token)
                statuses.append(response.status.code)
                let header = { (name: String) in response.headers[HTTPField.Name(name)!] ?? "" }
                // Both forms on every answer, saying the same counts.
                #expect(header("RateLimit-Policy") == "1;w=60;burst=3")
                #expect(header("RateLimit-Limit") == "3")
                let remaining = header("RateLimit-Remaining")
                let reset = header("RateLimit-Reset")
                #expect(Int(reset) != nil)
                #expect(header("RateLimit") == "limit=3, remaining=\(remaining), reset=\(reset)")
                remainders.append(remaining)
            }
            #expect(statuses == [200, 200, 200, 429])
            #expect(remainders == ["2", "1", "0", "0"])
        }
    }

    @Test func whenRedisIsDownLoginFailsClosedAndOtherTrafficOpen() async throws {
        let redis = try PrivateRedisServer()
        try await redis.start()
        // A Redis of its own, also in `make test-cluster` (whose cluster it must not stop).
        let app = try await makeAccountsGateway(["REDIS_URL": redis.url, "REDIS_CLUSTER_NODES": ""])
        let user = try await createAccount(role: .customer)
        try await app.test(.router) { client in
            await redis.stop()
            let login = try await client.post("/api/auth/login", json: #"{"username":"\#(user.username)","password":"correct-horse"}"#)
            #expect(login.status == .serviceUnavailable)
            let register = try await client.post(
                "/api/auth/register", json: #"{"username":"\#(uniqueName())","email":"x@example.com","password":"correct-horse"}"#)
            #expect(register.status == .serviceUnavailable)
            // An anonymous request is not refused for want of a rate-limit counter.
            #expect(try await client.send(.get, "/api/no-such-route").status == .notFound)
        }
    }
}
