import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// What the load balancer itself answers, and the gateway's monitoring port, on real processes.
extension ScaleTests {
    static let requestID = HTTPField.Name("X-Request-ID")!

    /// nginx's own errors are problem+json with the request's id (never its HTML pages, never
    /// its version), also for requests it refuses before it has a URI, the id reaches the gateway
    /// unchanged, and metrics are on the monitoring port, not through nginx.
    @Test func theLoadBalancersOwnErrorsAreProblemJSONWithTheRequestID() async throws {
        try await withStores(products: 1) { database, redis in
            let stack = LocalStack(
                name: "e2e-edge", port: 18_500, workerPort: 19_500, settings: Self.settings(database: database, redis: redis))
            try await stack.with(gateways: 1, workers: 0) {
                var connection = APIConnection(port: stack.port)
                let id = "e2e-\(UUID().uuidString.prefix(8))"

                // A body over nginx's 1 MiB limit never reaches a gateway.
                var headers: HTTPFields = [Self.requestID: id, .contentType: "application/json"]
                let big = try await connection.send(
                    .post, "/api/auth/register", json: String(repeating: "x", count: 2 << 20), headers: headers)
                #expect(big.status == .contentTooLarge)
                try Self.expectProblem(big, status: 413, id: id)
                await connection.close()

                // What nginx refuses while reading the request line or the headers: a problem with
                // the status nginx chose (431 for a header too large), never its HTML page.
                let refused: [(String, Int)] = [
                    ("GET /%00 HTTP/1.1\r\nHost: x\r\n", 400),
                    ("GET /api/..%2F..%2F..%2Fetc/passwd HTTP/1.1\r\nHost: x\r\n", 400),
                    ("GET /a/../../b HTTP/1.1\r\nHost: x\r\n", 400),
                    ("GARBAGE\r\n", 400),
                    ("GET /api/products?q=\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n", 414),
                    ("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n", 431),
                    ("GET /api/health HTTP/3.0\r\nHost: x\r\n", 505),
                    ("POST /api/auth/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n", 501),
                ]
                for (head, status) in refused {
                    let answer = try await RawHTTP.send(head + "X-Request-ID: \(id)\r\nConnection: close\r\n\r\n", port: stack.port)
                    #expect(answer.status == status, "\(head.prefix(40)): \(answer.status) \(answer.body.prefix(120))")
                    #expect(answer.headers["content-type"] == "application/problem+json", "\(head.prefix(40))")
                    let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
                    #expect(json?["status"] as? Int == status, "\(head.prefix(40)): \(answer.body.prefix(120))")
                    #expect(answer.headers["server"].map { !$0.contains("/") } ?? true, "no nginx version")
                }

                // The id a client sends is the one the gateway echoes (nginx passes it on).
                headers = [Self.requestID: id]
                let health = try await connection.send(.get, "/api/health", headers: headers)
                #expect(health.status == .ok)
                #expect(health.headers[Self.requestID] == id)
                #expect(health.headers[.server].map { !$0.contains("/") } ?? true, "no nginx version: \(health.headers[.server] ?? "")")

                // Metrics: on the gateway's monitoring port, and not through the load balancer.
                let metricsPort = 19_500 + 200
                let monitoring = TestClient(host: "127.0.0.1", port: metricsPort, configuration: .init(timeout: .seconds(5)))
                monitoring.connect()
                let metrics = try await monitoring.execute(.init("/metrics", method: .get, authority: "127.0.0.1:\(metricsPort)"))
                #expect(metrics.status == .ok)
                #expect(metrics.body.map { String(buffer: $0) }?.contains("hb_requests") == true)
                try? await monitoring.shutdown()
                #expect(try await connection.send(.get, "/metrics").status == .notFound)

                // With the only gateway gone, nginx answers 502 itself.
                kill(try stack.pid(of: "gateway-0"), SIGKILL)
                try await Task.sleep(for: .milliseconds(300))
                await connection.close()
                let down = try await connection.send(.get, "/api/products", headers: headers)
                #expect(down.status == .badGateway)
                try Self.expectProblem(down, status: 502, id: id)
                #expect(down.headers[.retryAfter] != nil)
                await connection.close()
            }
        }
    }

    /// A request a gateway answered at its deadline is not sent to another gateway for a second
    /// deadline: nginx passes a gateway's 503 on as it is and tries another gateway only for a
    /// failure within the request's first second, so a client waits the deadline once. With
    /// `orders` locked, a page of orders waits in Postgres on both gateways; tried twice (as
    /// nginx did with `http_503` and a retry window as long as the deadline) it took two.
    @Test func aRequestAnsweredAtItsDeadlineIsNotTriedAgainElsewhere() async throws {
        try await withStores(products: 1) { database, redis in
            let deadline = 2.0
            var settings = Self.settings(database: database, redis: redis)
            settings["REQUEST_TIMEOUT_SECONDS"] = String(Int(deadline))
            let stack = LocalStack(name: "e2e-deadline", port: 18_900, workerPort: 19_900, settings: settings)
            try await stack.with(gateways: 2, workers: 0) {
                var connection = APIConnection(port: stack.port)
                let token = try await Self.customerToken(&connection, name: "deadline_\(UUID().uuidString.prefix(6))")
                #expect(try await connection.send(.get, "/api/orders/my", token: token).status == .ok)
                try await TestStores.withDatabase(url: database) { client in
                    let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await client.transaction(logger: TestStores.logger) { transaction in
                                _ = try await transaction.query("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", logger: TestStores.logger)
                                lockTaken.yield()
                                try await Task.sleep(for: .seconds(deadline * 5))
                            }
                        }
                        for await _ in locked { break }
                        // Each gateway in turn takes the first attempt (round robin).
                        for _ in 0..<2 {
                            let start = ContinuousClock.now
                            let page = try await connection.send(.get, "/api/orders/my", token: token)
                            let took = start.duration(to: .now)
                            #expect(page.status == .serviceUnavailable)
                            #expect(page.headers[.contentType] == "application/problem+json")
                            #expect(page.headers[.retryAfter] == "1")
                            #expect(took >= .seconds(deadline), "answered before the deadline: \(took)")
                            #expect(took < .seconds(deadline + 1), "the deadline was waited more than once: \(took)")
                        }
                        try await group.waitForAll()
                    }
                }
                #expect(try await connection.send(.get, "/api/orders/my", token: token).status == .ok)
                await connection.close()
            }
        }
    }

    /// A problem+json body with `status` and the request id, in the body and the header.
    static func expectProblem(_ response: TestClient.Response, status: Int, id: String) throws {
        #expect(response.headers[.contentType] == "application/problem+json")
        #expect(response.headers[Self.requestID] == id)
        let body = try #require(response.json, "not JSON: \(response.body.map { String(buffer: $0) } ?? "")")
        #expect(body["status"] as? Int == status)
        #expect(body["title"] is String)
        #expect(body["request_id"] as? String == id)
    }
}
