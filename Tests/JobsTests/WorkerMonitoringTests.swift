import Foundation
import HummingbirdTesting
import NIOFoundationCompat
import Store
import TestSupport
import Testing

@testable import Jobs

@Suite("Worker monitoring endpoints", .timeLimit(.minutes(2)))
struct WorkerMonitoringTests {
    // A Redis of the test's own, so this worker never claims other suites' jobs.
    @Test func servesLiveReadyAndMetrics() async throws {
        _ = try await TestStores.migrated()
        let redis = try PrivateRedisServer()
        try await redis.start()
        defer { Task { await redis.stop() } }
        let configuration = try WorkerConfiguration(settings: TestStores.settings(["REDIS_URL": redis.url]))
        let app = try await buildApplication(configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["database"] as? Bool == true)
                #expect(body?["redis"] as? Bool == true)
            }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func refusesToStartAgainstAnOldSchema() async throws {
        let redis = try PrivateRedisServer()
        try await redis.start()
        defer { Task { await redis.stop() } }
        try await TestStores.withEmptyDatabase { url in
            let configuration = try WorkerConfiguration(settings: TestStores.settings(["DATABASE_URL": url, "REDIS_URL": redis.url]))
            let app = try await buildApplication(configuration)
            let error = await StartupChecks.error(of: app)
            #expect(error is MigrationError, "got \(String(describing: error))")
        }
    }
}
