import Foundation
import HTTPTypes
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Gateway

/// Who a limit counts: one address however it is spelled, one IPv6 subscriber (/64) whatever
/// address of it they use, one account whatever name they log in with; and the other
/// bcrypt-bound paths and session counts.
@Suite("Limit identities", .timeLimit(.minutes(2)))
struct LimitIdentityTests {
    // MARK: Addresses

    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1", "2001:db8::/64"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "2001:db8::/64"),
        ("2001:db8:0:0:ffff:1:2:3", "2001:db8::ffff:1:2:3", "2001:db8::/64"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7", "192.0.2.7"),
        ("not-an-ip", "not-an-ip", "not-an-ip"),
    ])
    func addressesHaveOneSpellingAndIPv6CountsBySlash64(raw: String, text: String, key: String) {
        let address = ClientAddress(raw)
        #expect(address.text == text)
        #expect(address.rateLimitKey == key)
    }

    /// Through a trusted proxy, two spellings of one address and two addresses of one /64 share
    /// the anonymous limit.
    @Test func anIPv6SubscriberIsOneCounterHoweverTheyWriteIt() async throws {
        let app = try await makeAccountsGateway(["RATE_LIMIT_ANONYMOUS": "1/min:3", "TRUSTED_PROXIES": "127.0.0.1,::1"])
        // A /48 of this run's own: its /64s are fresh counters (the test Redis outlives runs).
        let network = "2001:db8:\(String(Int.random(in: 1...0xffff), radix: 16))"
        try await app.test(.live) { client in
            var statuses: [Int] = []
            for address in ["\(network):0::1", "\(network):0:0:0:0:1", "\(network):0::abcd", "\(network):0:1:2:3:4"] {
                let response = try await client.execute(
                    uri: "/api/products", method: .get, headers: [HTTPField.Name("X-Forwarded-For")!: address])
                statuses.append(response.status.code)
            }
            #expect(statuses == [200, 200, 200, 429])
            // Another /64 is another subscriber.
            let other = try await client.execute(
                uri: "/api/products", method: .get, headers: [HTTPField.Name("X-Forwarded-For")!: "\(network):1::1"])
            #expect(other.status == .ok)
        }
    }

    // MARK: Accounts

    /// The per-(IP, account) login limit counts the account, whether it is named by its
    /// username, its email, or either in another case.
    @Test func theLoginLimitCountsTheAccountNotTheSpelling() async throws {
        let victim = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway(["RATE_LIMIT_LOGIN_USER": "3/min"])
        try await app.test(.router) { client in
            let names = [victim.username, victim.email, victim.username.uppercased()]
            for name in names {
                let response = try await client.post("/api/auth/login", json: #"{"username":"\#(name)","password":"wrong-guess"}"#)
                #expect(response.status == .unauthorized, "\(name)")
            }
            let fourth = try await client.post(
                "/api/auth/login", json: #"{"username":"\#(victim.email.uppercased())","password":"correct-horse"}"#)
            #expect(fourth.status == .tooManyRequests)
            // An identifier that names no account is counted by its normalised spelling.
            let ghost = uniqueName("ghost")
            for spelling in [ghost, ghost.uppercased(), ghost] {
                #expect(
                    try await client.post("/api/auth/login", json: #"{"username":"\#(spelling)","password":"x"}"#).status == .unauthorized)
            }
            #expect(try await client.post("/api/auth/login", json: #"{"username":"\#(ghost)","password":"x"}"#).status == .tooManyRequests)
        }
    }

    /// Wrong `current_password` guesses are limited like logins (each costs a bcrypt).
    @Test func passwordChangeGuessesAreLimited() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway(["RATE_LIMIT_PASSWORD_USER": "2/min"])
        try await app.test(.router) { client in
            let token = try await client.login(user.username).access
            let guess = #"{"current_password":"wrong-guess","new_password":"another-horse"}"#
            #expect(try await client.send(.put, "/api/users/me", token: token, json: guess).status == .unprocessableContent)
            #expect(try await client.send(.put, "/api/users/me", token: token, json: guess).status == .unprocessableContent)
            let third = try await client.send(
                .put, "/api/users/me", token: token, json: #"{"current_password":"correct-horse","new_password":"another-horse"}"#)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] != nil)
            // A profile change without a password is not a guess.
            #expect(try await client.send(.put, "/api/users/me", token: token, json: #"{"full_name":"Still Me"}"#).status == .ok)
        }
    }

    /// Past `MAX_SESSIONS_PER_USER` the oldest session ends.
    @Test func sessionsPerUserAreCappedOldestFirst() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway(["MAX_SESSIONS_PER_USER": "3"])
        try await app.test(.router) { client in
            var tokens: [String] = []
            for _ in 0..<5 {
                tokens.append(try await client.login(user.username).access)
                try await Task.sleep(for: .milliseconds(5))
            }
            let sessions = try await client.send(.get, "/api/auth/sessions", token: tokens[4])
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: sessions.body)) as? [[String: Any]])
            #expect(list.count == 3)
            #expect(try await client.send(.get, "/api/auth/me", token: tokens[0]).status == .unauthorized)
            #expect(try await client.send(.get, "/api/auth/me", token: tokens[1]).status == .unauthorized)
            for token in tokens[2...] {
                #expect(try await client.send(.get, "/api/auth/me", token: token).status == .ok)
            }
        }
    }
}
