import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import PostgresNIO
import Store
import TestSupport
import Testing

/// The whole platform as real processes: nginx, gateways and workers from `ops/local/stack.sh`,
/// driven over HTTP through nginx. They start real servers and take a while, so they run under
/// `make test-e2e` (which sets `E2E_TESTS=1`), one at a time.
@Suite(
    "End to end", .serialized, .timeLimit(.minutes(5)),
    .enabled(if: ProcessInfo.processInfo.environment["E2E_TESTS"] == "1", "run by make test-e2e")
)
struct ScaleTests {
    let logger = TestStores.logger
    static let adminEmail = "admin@e2e.example.com"
    static let adminPassword = "e2e-admin-password"

    // MARK: Helpers

    /// What every process of a test stack is configured with, on top of its own stores.
    static func settings(database: String, redis: String) -> [String: String] {
        [
            "ENV": "test", "DATABASE_URL": database, "REDIS_URL": redis, "DATABASE_POOL_SIZE": "8",
            "LOG_LEVEL": "warning", "LOG_FORMAT": "json", "TRUSTED_PROXIES": "127.0.0.1",
            "AUTO_PROCESS_AFTER_SECONDS": "2", "MAX_PENDING_ORDERS": "100000", "JOB_LEASE_SECONDS": "2",
            "RECONCILE_INTERVAL_SECONDS": "60", "ADMIN_EMAIL": adminEmail, "ADMIN_PASSWORD": adminPassword,
            "RATE_LIMIT_LOGIN_IP": "100000/min", "RATE_LIMIT_LOGIN_USER": "100000/min", "RATE_LIMIT_REGISTER_IP": "100000/min",
            "RATE_LIMIT_ANONYMOUS": "100000/s", "RATE_LIMIT_USER": "100000/s",
        ]
    }

    /// A migrated empty database with `products` in stock, a private Redis, and `body` with both URLs.
    func withStores(products: Int, _ body: (String, String) async throws -> Void) async throws {
        try await PrivateRedisServer.with { redis in
            try await TestStores.withEmptyDatabase { database in
                try await TestStores.withDatabase(url: database) { client in
                    try await Migrator(database: client, migrations: Migration.bundled(), logger: logger).migrate()
                    try await client.query(
                        """
                        INSERT INTO products (id, sku, name, category, price, stock)
                        SELECT gen_random_uuid(), 'E2E-' || n, 'Product ' || n, 'Test', 9.99, 1000000 FROM generate_series(1, \(products)) n
                        """,
                        logger: logger
                    )
                }
                try await body(database, redis.url)
            }
        }
    }

    /// Registers a customer through the API and returns an access token.
    static func customerToken(_ connection: inout APIConnection, name: String) async throws -> String {
        let account = #"{"username":"\#(name)","password":"correct-horse","email":"\#(name)@example.com"}"#
        let registered = try await connection.send(.post, "/api/auth/register", json: account)
        try #require(registered.status == .created, "register gave \(registered.status)")
        return try await token(&connection, username: name, password: "correct-horse")
    }

    static func token(_ connection: inout APIConnection, username: String, password: String) async throws -> String {
        let response = try await connection.send(.post, "/api/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        try #require(response.status == .ok, "login gave \(response.status)")
        return try #require(response.json?["access_token"] as? String)
    }

    /// A three-line order of random products.
    static func orderBody(products: Int) -> String {
        let lines = (1...3).map { _ in #"{"product_sku":"E2E-\#(Int.random(in: 1...products))","quantity":\#(Int.random(in: 1...3))}"# }
        return
            #"{"customer_name":"E2E","customer_email":"e2e@example.com","shipping_address":"1 Loop Road","items":[\#(lines.joined(separator: ","))]}"#
    }

    /// Creates one order, retrying with the same `Idempotency-Key` after a transport error, a
    /// 5xx from the load balancer, a 409 "still in progress" or a 429, as a careful client does.
    /// Returns the order id, or why it gave up.
    static func createOrder(_ connection: inout APIConnection, token: String, body: String) async -> Result<String, OrderFailure> {
        var headers = HTTPFields()
        headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
        var last = "no attempt"
        for _ in 0..<30 {
            do {
                let response = try await connection.send(.post, "/api/orders", token: token, json: body, headers: headers)
                switch response.status.code {
                case 201:
                    guard let id = response.json?["id"] as? String else { return .failure(.init(reason: "201 without an id")) }
                    return .success(id)
                case 409, 429, 500...599:
                    last = "status \(response.status.code)"
                default:
                    return .failure(.init(reason: "status \(response.status.code): \(response.body.map { String(buffer: $0) } ?? "")"))
                }
            } catch {
                last = "transport error \(error)"
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .failure(.init(reason: "gave up after 30 attempts; last: \(last)"))
    }

    static func count(_ client: Database, _ query: PostgresQuery) async throws -> Int {
        try await client.scalar(query) ?? 0
    }

    /// Polls `condition` every 200 ms for up to `limit`.
    static func eventually(within limit: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }

    // MARK: Tests

    /// 1,000 orders from 8 concurrent clients through nginx to 2 gateways, 3 workers applying
    /// their transitions; mid-run one worker is SIGKILLed (its supervisor starts it again) and
    /// one gateway gets SIGTERM (it drains and stays down).
    @Test func aThousandOrdersSurviveAKilledWorkerAndAStoppedGateway() async throws {
        let products = 20
        let clients = 8
        let perClient = 125
        try await withStores(products: products) { database, redis in
            let stack = LocalStack(
                name: "e2e-scale", port: 18_000, workerPort: 19_100, settings: Self.settings(database: database, redis: redis))
            try await stack.with(gateways: 2, workers: 3) {
                let created = Shared(0)
                let killed = Shared<pid_t>(0)
                let (results, chaosDone) = try await withThrowingTaskGroup(of: [Result<String, OrderFailure>].self) { group in
                    for client in 0..<clients {
                        group.addTask {
                            var connection = APIConnection(port: stack.port)
                            let token = try await Self.customerToken(&connection, name: "e2e_\(client)_\(UUID().uuidString.prefix(6))")
                            var results: [Result<String, OrderFailure>] = []
                            for _ in 0..<perClient {
                                results.append(await Self.createOrder(&connection, token: token, body: Self.orderBody(products: products)))
                                created.update { $0 += 1 }
                            }
                            await connection.close()
                            return results
                        }
                    }
                    // A third of the way in: a worker dies holding what it holds, a gateway drains.
                    group.addTask {
                        while created.value < clients * perClient / 3 { try await Task.sleep(for: .milliseconds(20)) }
                        let victim = try stack.pid(of: "worker-1")
                        killed.update { $0 = victim }
                        kill(victim, SIGKILL)
                        kill(try stack.pid(of: "gateway-1"), SIGTERM)
                        return []
                    }
                    var all: [Result<String, OrderFailure>] = []
                    for try await results in group { all += results }
                    return (all, created.value)
                }
                #expect(chaosDone == clients * perClient)
                let failures = results.compactMap { if case .failure(let failure) = $0 { failure } else { nil } }
                #expect(failures.isEmpty, "every order was created, maybe after safe retries: \(failures.prefix(3))")
                let ids = Set(results.compactMap { try? $0.get() })
                #expect(ids.count == clients * perClient, "one distinct order per request")

                try await TestStores.withDatabase(url: database) { (client) async throws -> Void in
                    #expect(try await Self.count(client, "SELECT count(*) FROM orders") == clients * perClient, "no order twice")
                    let processed = try await Self.eventually(within: .seconds(30)) {
                        try await Self.count(client, "SELECT count(*) FROM orders WHERE status = 'processing'") == clients * perClient
                    }
                    #expect(processed, "every order moved to processing")
                    #expect(
                        try await Self.count(
                            client, "SELECT count(*) FROM order_events WHERE kind = 'transition' AND to_status = 'processing'") == clients
                            * perClient)
                    #expect(
                        try await Self.count(
                            client,
                            "SELECT count(DISTINCT order_id) FROM order_events WHERE kind = 'transition' AND to_status = 'processing'")
                            == clients * perClient)
                    #expect(
                        try await Self.count(
                            client,
                            """
                            SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
                            WHERE e.kind = 'transition' AND e.to_status = 'processing' AND e.at < o.auto_process_at
                            """) == 0, "none moved early")
                }

                // The killed worker's heartbeat runs out; its successor and the two others are listed.
                var connection = APIConnection(port: stack.port)
                let admin = try await Self.token(&connection, username: Self.adminEmail, password: Self.adminPassword)
                var running: Set<Int> = []
                var listed: Set<Int> = []
                let settled = try await Self.eventually(within: .seconds(15)) {
                    running = Set(try (0..<3).map { Int(try stack.pid(of: "worker-\($0)")) })
                    let status = try await connection.send(.get, "/api/background/status", token: admin)
                    let workers = status.json?["workers"] as? [[String: Any]] ?? []
                    listed = Set(workers.compactMap { $0["pid"] as? Int })
                    return listed == running
                }
                #expect(settled, "background status lists the running workers \(running), got \(listed)")
                #expect(!running.contains(Int(killed.value)), "worker-1 runs again under a new pid")
                await connection.close()
            }
        }
    }

    /// `stack.sh restart-gateways` under 4 clients creating and reading orders: no request fails.
    @Test func aRollingGatewayRestartFailsNoRequest() async throws {
        let products = 10
        try await withStores(products: products) { database, redis in
            let stack = LocalStack(
                name: "e2e-rolling", port: 18_100, workerPort: 19_200, settings: Self.settings(database: database, redis: redis))
            try await stack.with(gateways: 2, workers: 1) {
                let restarting = Shared(true)
                let outcomes = try await withThrowingTaskGroup(of: (requests: Int, failures: [String]).self) { group in
                    for client in 0..<4 {
                        group.addTask {
                            var connection = APIConnection(port: stack.port)
                            let token = try await Self.customerToken(&connection, name: "roll_\(client)_\(UUID().uuidString.prefix(6))")
                            var requests = 0
                            var failures: [String] = []
                            while restarting.value {
                                var headers = HTTPFields()
                                headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                                for (method, path, body) in [
                                    (HTTPRequest.Method.post, "/api/orders", Self.orderBody(products: products) as String?),
                                    (.get, "/api/orders/my?size=5", nil), (.get, "/api/products?size=5", nil),
                                ] {
                                    requests += 1
                                    do {
                                        let response = try await connection.send(
                                            method, path, token: token, json: body, headers: method == .post ? headers : [:])
                                        if !(200..<300).contains(response.status.code) {
                                            failures.append("\(method) \(path): \(response.status.code)")
                                        }
                                    } catch {
                                        failures.append("\(method) \(path): \(error)")
                                    }
                                }
                            }
                            await connection.close()
                            return (requests, failures)
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(500))
                        defer { restarting.update { $0 = false } }
                        try await stack.run("restart-gateways")
                        return (0, [])
                    }
                    var total = (requests: 0, failures: [String]())
                    for try await outcome in group {
                        total.requests += outcome.requests
                        total.failures += outcome.failures
                    }
                    return total
                }
                #expect(outcomes.requests > 100, "the clients kept sending during the restart")
                #expect(
                    outcomes.failures.isEmpty, "\(outcomes.failures.count) of \(outcomes.requests) failed: \(outcomes.failures.prefix(5))")
            }
        }
    }
}

/// Why a client gave up on an order.
struct OrderFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
