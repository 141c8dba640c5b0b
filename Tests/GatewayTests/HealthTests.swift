import Foundation
import Hummingbird
import HummingbirdTesting
import OrderEmail
import Postgres
import PostgresNIO
import ProcessSupport
import Redis
import Store
import StoreClients
import TestSupport
import Testing

@testable import Gateway

@Suite("Health endpoints", .timeLimit(.minutes(2)))
struct HealthTests {
    @Test func reportsHealthyWhenBothStoresAnswer() async throws {
        let app = try await makeGateway()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(response.json)
                #expect(body["status"] as? String == "healthy")
                #expect(body["database"] as? Bool == true)
                #expect(body["redis"] as? Bool == true)
                #expect(body["version"] as? String == Platform.version)
                // Rendered in TIMEZONE (Asia/Kolkata by default).
                #expect((body["timestamp"] as? String)?.hasSuffix("+05:30") == true)
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"alive"}"#)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.contentLength] == "18")
            }
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func reportsRedisDownThenRecoversWithoutRestart() async throws {
        let redis = try PrivateRedisServer()
        try await redis.start()
        // A Redis of its own, also in `make test-cluster` (whose cluster it must not stop).
        let app = try await makeGateway(["REDIS_URL": redis.url, "REDIS_CLUSTER_NODES": ""])
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }

            await redis.stop()
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.json?["redis"] as? Bool == false)
                #expect(response.json?["database"] as? Bool == true)
            }
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.json?["status"] as? String == "unhealthy")
                #expect(response.json?["redis"] as? Bool == false)
            }

            try await redis.start()
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json?["status"] as? String == "healthy")
            }
        }
        await redis.stop()
    }

    @Test func reportsPostgresDown() async throws {
        // Nothing listens on port 1: the database check fails fast, Redis stays up.
        let app = try await makeGatewayWithoutSchemaCheck(["DATABASE_URL": "postgres://app@127.0.0.1:1/orders"])
        try await app.test(.router) { client in
            // A probe is one moment: under a loaded test run one Redis ping may miss its 2 s, so
            // the answer is asked for again for a while; it must never call the database up.
            var redisUp = false
            let deadline = ContinuousClock.now + .seconds(20)
            while !redisUp && ContinuousClock.now < deadline {
                try await client.execute(uri: "/api/health", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.json?["database"] as? Bool == false)
                    redisUp = response.json?["redis"] as? Bool == true
                }
            }
            #expect(redisUp, "Redis answers while the database is down")
        }
    }
}

/// The router alone on a configuration whose database may be unreachable (no start-up schema check).
func makeGatewayWithoutSchemaCheck(_ overrides: [String: String]) async throws -> some ApplicationProtocol {
    let configuration = try GatewayConfiguration(settings: TestStores.settings(overrides))
    let postgres = Database(configuration: configuration.platform.postgres, logger: TestStores.logger)
    let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
    let accounts = buildAccounts(configuration, database: postgres, redis: redis)
    let router = buildRouter(
        configuration, accounts: accounts, tokens: await buildTokens(configuration), database: postgres, redis: redis,
        health: StoreHealth(database: postgres, redis: redis),
        metrics: .init(), document: try APIDocument.bundled(), renderer: try await ConsoleRenderer.bundled(),
        emails: try await OrderEmails(configuration.platform)
    ).router
    return ContractCheckedApplication(base: Application(router: router, services: [postgres, redis]))
}
