import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Redis
import Store
import TestSupport
import Testing

@testable import Gateway

@Suite("Accounts and sessions", .timeLimit(.minutes(2)))
struct AuthTests {
    // MARK: Register and login

    @Test func registerLoginMeAndLogout() async throws {
        let app = try await makeAccountsGateway()
        let name = uniqueName()
        try await app.test(.router) { client in
            let created = try await client.post(
                "/api/auth/register",
                json: #"{"username":"\#(name)","email":"\#(name)@Example.com","password":"correct-horse","full_name":"Ann"}"#)
            #expect(created.status == .created)
            let user = try #require(created.json)
            #expect(user["role"] as? String == "customer")
            #expect(user["email"] as? String == "\(name)@example.com")
            #expect(user.keys.contains("phone"), "absent profile fields are null, not missing")
            #expect(!user.keys.contains { $0.contains("password") })

            // Login works by username or email, case-insensitively.
            let tokens = try await client.login(name.uppercased())
            _ = try await client.login("\(name)@example.com")
            let me = try await client.send(.get, "/api/auth/me", token: tokens.access)
            #expect(me.status == .ok)
            #expect(me.json?["username"] as? String == name)

            #expect(try await client.send(.post, "/api/auth/logout", token: tokens.access).status == .noContent)
            let after = try await client.send(.get, "/api/auth/me", token: tokens.access)
            #expect(after.status == .unauthorized, "a revoked session's unexpired token is refused")
            #expect(after.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func selfRegistrationCannotPickARole() async throws {
        let app = try await makeAccountsGateway()
        let name = uniqueName()
        try await app.test(.router) { client in
            let response = try await client.post(
                "/api/auth/register",
                json: #"{"username":"\#(name)","email":"\#(name)@example.com","password":"correct-horse","role":"admin"}"#)
            #expect(response.status == .forbidden)
        }
        #expect(try await userCount(username: name) == 0)
    }

    @Test func takenUsernameOrEmailIsAConflict() async throws {
        let existing = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let sameName = try await client.post(
                "/api/auth/register",
                json: #"{"username":"\#(existing.username.uppercased())","email":"other-\#(existing.email)","password":"correct-horse"}"#)
            #expect(sameName.status == .conflict)
            let sameEmail = try await client.post(
                "/api/auth/register", json: #"{"username":"\#(uniqueName())","email":"\#(existing.email)","password":"correct-horse"}"#)
            #expect(sameEmail.status == .conflict)
            #expect((sameEmail.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "email")
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let wrong = try await client.post("/api/auth/login", json: #"{"username":"\#(user.username)","password":"wrong-password"}"#)
            let unknown = try await client.post("/api/auth/login", json: #"{"username":"\#(uniqueName())","password":"wrong-password"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.json?["detail"] as? String == unknown.json?["detail"] as? String)
        }
    }

    // MARK: Bad input

    @Test(arguments: [
        (#"{"email":"a@example.com","password":"correct-horse"}"#, 422, "username"),
        (#"{"username":"abc","email":"a@example.com","password":12345678}"#, 422, "password"),
        (#"{"username":"abc","email":"not-an-email","password":"correct-horse"}"#, 422, "email"),
        (#"{"username":"ab","email":"a@example.com","password":"correct-horse"}"#, 422, "username"),
        (#"{"username":"bad name!","email":"a@example.com","password":"correct-horse"}"#, 422, "username"),
        (#"{"username":"abc","email":"a@example.com","password":"short"}"#, 422, "password"),
        (
            #"{"username":"abc","email":"a@example.com","password":"correct-horse","address":"\#(String(repeating: "x", count: 501))"}"#,
            422, "address"
        ),
        (#"{"username":"abc","email":"a@example.com","password":"\#(String(repeating: "p", count: 129))"}"#, 422, "password"),
        (#"{"username": "abc", "#, 400, ""),
        (#"["not", "an", "object"]"#, 400, ""),
    ])
    func badRegistrationIsRefusedAndWritesNothing(body: String, status: Int, field: String) async throws {
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let response = try await client.post("/api/auth/register", json: body)
            #expect(response.status.code == status)
            #expect(response.headers[.contentType] == "application/problem+json")
            if !field.isEmpty {
                let fields = (response.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
                #expect(fields.contains(field))
            }
        }
        #expect(try await userCount(username: "abc") == 0)
    }

    @Test func tenMegabyteBodyIs413() async throws {
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let huge =
                #"{"username":"abc","email":"a@example.com","password":"correct-horse","address":""#
                + String(repeating: "x", count: 10 << 20) + #""}"#
            let response = try await client.post("/api/auth/register", json: huge)
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
        #expect(try await userCount(username: "abc") == 0)
    }

    // MARK: Tokens

    @Test func forgedExpiredAndEditedTokensAre401() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let tokens = try await client.login(user.username)
            let claims = try jwtPayload(tokens.access)
            let sid = try #require(claims["sid"] as? String)
            let configuration = try GatewayConfiguration(settings: TestStores.settings())

            // Control: a token we sign ourselves with the right key and a live sid is accepted.
            let good = await TokenIssuer(secret: configuration.secretKey, lifetime: .seconds(60))
            let control = try await good.sign(userID: user.id, role: .customer, sessionID: sid)
            #expect(try await client.send(.get, "/api/auth/me", token: control).status == .ok)

            let otherKey = await TokenIssuer(secret: String(repeating: "k", count: 40), lifetime: .seconds(60))
            let forged = try await otherKey.sign(userID: user.id, role: .customer, sessionID: sid)
            let expired = try await TokenIssuer(secret: configuration.secretKey, lifetime: .seconds(-120)).sign(
                userID: user.id, role: .customer, sessionID: sid)

            let parts = tokens.access.split(separator: ".").map(String.init)
            var edited = claims
            edited["role"] = "admin"
            let editedToken = parts[0] + "." + base64URL(try JSONSerialization.data(withJSONObject: edited)) + "." + parts[2]
            let none = base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."

            for token in [forged, expired, editedToken, none, "garbage"] {
                let response = try await client.send(.get, "/api/auth/me", token: token)
                #expect(response.status == .unauthorized, "token \(token.prefix(20))… was accepted")
            }
            #expect(try await client.send(.get, "/api/users", token: editedToken).status == .unauthorized)
        }
    }

    @Test(
        arguments: [
            ("Bearer abc.def", "abc.def"), ("bearer abc", "abc"), ("BEARER  abc \t", "abc"), ("BeArEr\tabc", nil),
            ("Bearer ", nil), ("Bearer    ", nil), ("Basic abc", nil), ("Bearerabc", nil), ("Bearer a b", "a b"),
        ] as [(String, String?)])
    func bearerTokenIsReadFromTheAuthorizationHeader(header: String, token: String?) {
        let request = Request(
            head: .init(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: [.authorization: header]),
            body: .init(buffer: ByteBuffer())
        )
        #expect(AdmissionMiddleware.bearerToken(request) == token)
    }

    @Test func aVerifiedTokenIsRememberedUntilItExpiresAndTheCacheStaysBounded() {
        let cache = VerifiedTokenCache(capacity: 3)
        let now = Date()
        let ann = Identity(userID: UUID(), role: .customer, sessionID: "s1")
        cache.remember("token-a", as: ann, until: now + 60, now: now)
        #expect(cache.identity(for: "token-a", now: now + 59) == ann)
        #expect(cache.identity(for: "token-a", now: now + 60) == nil)
        #expect(cache.identity(for: "token-a", now: now) == nil, "an expired entry is dropped")
        #expect(cache.identity(for: "token-b", now: now) == nil)

        cache.remember("old", as: ann, until: now + 1, now: now)
        cache.remember("b", as: ann, until: now + 60, now: now)
        cache.remember("c", as: ann, until: now + 60, now: now)
        cache.remember("d", as: ann, until: now + 60, now: now + 2)
        #expect(cache.count == 3, "the expired entry made room")
        #expect(cache.identity(for: "b", now: now + 2) == ann)
        cache.remember("e", as: ann, until: now + 60, now: now + 2)
        #expect(cache.count == 1, "full of live entries: emptied, then the new one")
        #expect(cache.identity(for: "e", now: now + 2) == ann)
    }

    @Test func theTokenIssuerRemembersOnlyTokensThatVerified() async throws {
        let issuer = await TokenIssuer(secret: String(repeating: "s", count: 40), lifetime: .seconds(60))
        let userID = UUID()
        let token = try await issuer.sign(userID: userID, role: .vendor, sessionID: "sid")
        #expect(await issuer.verify(token) == Identity(userID: userID, role: .vendor, sessionID: "sid"))
        #expect(issuer.verified.identity(for: token)?.userID == userID)
        let forged = String(token.dropLast(2)) + (token.hasSuffix("AA") ? "BB" : "AA")
        #expect(await issuer.verify(forged) == nil)
        #expect(issuer.verified.count == 1)
    }

    @Test func refreshRotatesAndReuseRevokesTheSession() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let first = try await client.login(user.username)
            let rotated = try await client.post("/api/auth/refresh", json: #"{"refresh_token":"\#(first.refresh)"}"#)
            #expect(rotated.status == .ok)
            let second = try #require(rotated.json?["refresh_token"] as? String)
            let access = try #require(rotated.json?["access_token"] as? String)
            #expect(second != first.refresh)
            #expect(try await client.send(.get, "/api/auth/me", token: access).status == .ok)

            // The first token again: a thief or a replay. The whole session ends.
            let reused = try await client.post("/api/auth/refresh", json: #"{"refresh_token":"\#(first.refresh)"}"#)
            #expect(reused.status == .unauthorized)
            #expect(try await client.post("/api/auth/refresh", json: #"{"refresh_token":"\#(second)"}"#).status == .unauthorized)
            #expect(try await client.send(.get, "/api/auth/me", token: access).status == .unauthorized)

            #expect(try await client.post("/api/auth/refresh", json: #"{"refresh_token":"nonsense"}"#).status == .unauthorized)
        }
    }

    // MARK: Sessions

    @Test func listsAndRevokesOnlyOwnSessions() async throws {
        let alice = try await createAccount(role: .customer)
        let bob = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let phone = try await client.login(alice.username)
            let laptop = try await client.login(alice.username)
            let bobs = try await client.login(bob.username)

            let list = try await client.send(.get, "/api/auth/sessions", token: laptop.access)
            #expect(list.status == .ok)
            let sessions = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0["current"] as? Bool == true }.count == 1)

            let phoneSid = try #require(try jwtPayload(phone.access)["sid"] as? String)
            let bobSid = try #require(try jwtPayload(bobs.access)["sid"] as? String)
            #expect(try await client.send(.delete, "/api/auth/sessions/\(bobSid)", token: laptop.access).status == .notFound)
            #expect(try await client.send(.get, "/api/auth/me", token: bobs.access).status == .ok)

            #expect(try await client.send(.delete, "/api/auth/sessions/\(phoneSid)", token: laptop.access).status == .noContent)
            #expect(try await client.send(.get, "/api/auth/me", token: phone.access).status == .unauthorized)
            #expect(try await client.send(.get, "/api/auth/me", token: laptop.access).status == .ok)
        }
    }

    @Test func aSecondGatewaySeesTheSameSessions() async throws {
        let user = try await createAccount(role: .customer)
        let first = try await makeAccountsGateway()
        let second = try await makeAccountsGateway()
        try await first.test(.router) { one in
            try await second.test(.router) { two in
                let tokens = try await one.login(user.username)
                #expect(try await two.send(.get, "/api/auth/me", token: tokens.access).status == .ok)
                #expect(try await two.send(.post, "/api/auth/logout", token: tokens.access).status == .noContent)
                #expect(try await one.send(.get, "/api/auth/me", token: tokens.access).status == .unauthorized)
            }
        }
    }

    // MARK: Bootstrap

    @Test func bootstrapAdminIsCreatedOnceUnderConcurrentStarts() async throws {
        let email = "\(uniqueName("boot"))@example.com"
        let configuration = try GatewayConfiguration(settings: TestStores.settings())
        try await TestStores.withDatabase(url: try await TestStores.migrated()) { postgres in
            let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
            let accounts = buildAccounts(configuration, database: postgres, redis: redis)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await accounts.bootstrapAdmin(email: email, password: "admin-password", logger: TestStores.logger) }
                }
                try await group.waitForAll()
            }
            let count = try await postgres.scalar("SELECT count(*) FROM users WHERE email = \(email) AND role = 'admin'", as: Int.self)
            #expect(count == 1)
        }
    }
}
