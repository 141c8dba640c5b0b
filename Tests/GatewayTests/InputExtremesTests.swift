import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Store
import TestSupport
import Testing

@testable import Gateway

/// Every numeric and string field of every request body, query and header parameter the API
/// document names, one at a time at its extremes (0, −1, ±2⁶³, past them, 1e309, NUL, RTL marks,
/// decomposed and wide Unicode at each length boundary), against a real gateway process: never a
/// 5xx, and the process is still serving afterwards (a trap would have ended it).
///
/// The gateway has a database and a Redis of its own: its lists and exports then hold only the
/// orders this test placed, not every other suite's (an export of those took over 30 s on a
/// loaded machine), and no other suite's worker moves its orders.
@Suite("Input extremes", .timeLimit(.minutes(5)))
struct InputExtremesTests {
    @Test func noFieldAtAnExtremeEarnsA5xxOrStopsTheGateway() async throws {
        try await TestStores.withEmptyDatabase { databaseURL in
            try await PrivateRedisServer.with { redis in
                try await TestStores.migrate(url: databaseURL)
                try await Self.run(databaseURL: databaseURL, redisURL: redis.url)
            }
        }
    }

    static func run(databaseURL: String, redisURL: String) async throws {
        let admin = try await createAccount(role: .admin, databaseURL: databaseURL)
        let sku = try await OrdersTests().makeProduct(stock: 1_000_000_000, price: "1.00", databaseURL: databaseURL)
        let environment = TestStores.environment(
            generousLimits.merging([
                "MAX_PENDING_ORDERS": "100000", "RATE_LIMIT_PASSWORD_USER": "100000/s", "LOG_LEVEL": "error", "LOG_FORMAT": "json",
                "DATABASE_URL": databaseURL, "REDIS_URL": redisURL,
            ]) { _, new in new })
        let gateway = try await ServerProcess("gateway", environment: environment)
        defer { Task { await gateway.stop() } }

        let cases = ExtremeInputs(document: APIContract.shared.document, sku: sku).cases()
        #expect(cases.count > 1_000, "the document names fewer fields than expected: \(cases.count) cases")
        // Four clients at once, each with a session of its own.
        let failures = try await withThrowingTaskGroup(of: [String].self) { group in
            for lane in 0..<4 {
                let share = cases.enumerated().filter { $0.offset % 4 == lane }.map(\.element)
                group.addTask { try await Self.send(share, to: gateway.port, as: admin.username) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count): \(failures.prefix(20).joined(separator: "\n"))")
        #expect(gateway.isRunning, "the gateway exited (\(gateway.exitStatus.map(String.init) ?? "?")): \(gateway.log.suffix(2000))")
        let live = TestClient(host: "127.0.0.1", port: gateway.port, configuration: .init(timeout: .seconds(5)))
        live.connect()
        let health = try await live.execute(TestClient.Request("/health/live", method: .get, authority: "127.0.0.1:\(gateway.port)"))
        #expect(health.status == .ok)
        try? await live.shutdown()
    }

    /// Sends `cases` one after another on one connection; returns what answered 5xx or not at all.
    static func send(_ cases: [ExtremeInputs.Case], to port: Int, as username: String) async throws -> [String] {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30)))
        client.connect()
        defer { Task { try? await client.shutdown() } }
        var token = try await login(client, username, port: port)
        var failures: [String] = []
        for item in cases {
            var headers: HTTPFields = [.authorization: "Bearer \(token)"]
            for (name, value) in item.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
            if item.body != nil { headers[.contentType] = "application/json" }
            let request = TestClient.Request(
                item.path + (item.query.isEmpty ? "" : "?" + item.query), method: HTTPRequest.Method(rawValue: item.method) ?? .get,
                authority: "127.0.0.1:\(port)", headers: headers, body: item.body.map { ByteBuffer(string: $0) }
            )
            let response: TestClient.Response
            do {
                response = try await client.execute(request)
            } catch {
                failures.append("\(item): no answer (\(error))")
                break
            }
            if response.status.code >= 500 { failures.append("\(item): \(response.status.code)") }
            // Some fields end the session (a password change revokes the others): sign in again.
            if response.status == .unauthorized { token = try await login(client, username, port: port) }
        }
        return failures
    }

    static func login(_ client: TestClient, _ username: String, port: Int) async throws -> String {
        let response = try await client.execute(
            TestClient.Request(
                "/api/auth/login", method: .post, authority: "127.0.0.1:\(port)", headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"\#(username)","password":"correct-horse"}"#)
            ))
        let body = try #require(response.body.flatMap { try JSONSerialization.jsonObject(with: Data(buffer: $0)) as? [String: Any] })
        return try #require(body["access_token"] as? String)
    }
}
