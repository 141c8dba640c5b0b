import Foundation
import HummingbirdTesting
import NIOFoundationCompat
import Redis
import Store
import TestSupport
import Testing

@testable import Gateway

@Suite("Background job routes", .timeLimit(.minutes(2)))
struct BackgroundTests {
    @Test func rolesStatusTriggerAndDeadJobs() async throws {
        let admin = try await createAccount(role: .admin)
        let vendor = try await createAccount(role: .vendor)
        let customer = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let adminToken = try await client.login(admin.username).access
            let vendorToken = try await client.login(vendor.username).access
            let customerToken = try await client.login(customer.username).access

            #expect(try await client.send(.get, "/api/background/status", token: customerToken).status == .forbidden)
            let status = try await client.send(.get, "/api/background/status", token: vendorToken)
            #expect(status.status == .ok)
            let queue = try #require(status.json?["queue"] as? [String: Any])
            for key in ["scheduled", "due", "in_flight", "dead", "oldest_due_lag_ms"] { #expect(queue[key] is Int, "\(key)") }
            let kinds = try #require(queue["kinds"] as? [String: [String: Int]])
            #expect(Set(kinds.keys) == Set(JobKind.allCases.map(\.rawValue)), "every kind, zeros included")
            #expect(kinds.values.allSatisfy { Set($0.keys) == ["scheduled", "due", "in_flight", "dead", "oldest_due_lag_ms"] })
            #expect(queue["scheduled"] as? Int == kinds.values.reduce(0) { $0 + ($1["scheduled"] ?? 0) }, "the totals are the kinds' sums")
            #expect(status.json?["workers"] is [Any])

            #expect(try await client.send(.post, "/api/background/trigger", token: vendorToken).status == .forbidden)
            for path in ["/api/background/trigger", "/api/background/update-pending-orders"] {
                let triggered = try await client.send(.post, path, token: adminToken)
                #expect(triggered.status == .ok)
                #expect(triggered.json?["updated_count"] is Int)
                #expect(triggered.json?["enqueued_count"] is Int)
            }

            #expect(try await client.send(.get, "/api/background/dead", token: vendorToken).status == .forbidden)
            #expect(try await client.send(.get, "/api/background/dead", token: adminToken).status == .ok)
            #expect(
                try await client.send(.post, "/api/background/dead/\(UUID().uuidString.lowercased()):processing/retry", token: adminToken)
                    .status == .notFound)
        }
    }

    /// A dead job of any kind is listed with its kind and can be retried.
    @Test func deadJobsOfEveryKind() async throws {
        let admin = try await createAccount(role: .admin)
        let app = try await makeAccountsGateway()
        let redis = RedisClient(configuration: try TestStores.redisConfiguration(), logger: TestStores.logger)
        let webhooks = JobQueue(redis: redis, kind: .webhook)
        let delivery = UUID().uuidString.lowercased()
        try await webhooks.enqueue(delivery, dueAt: Date(), logger: TestStores.logger)
        // Claimed by a worker of this test (not running elsewhere: nothing else claims webhooks here) and failed for good.
        let claimed = try await webhooks.claim(worker: "test", limit: 100, lease: .seconds(60), logger: TestStores.logger).jobs
        let job = try #require(claimed.first { $0.member == delivery })
        #expect(try await webhooks.retry(job, after: .zero, error: "receiver gone", maxAttempts: 1, logger: TestStores.logger) == .dead)
        try await webhooks.release(claimed.filter { $0.member != delivery }, logger: TestStores.logger)
        try await app.test(.router) { client in
            let token = try await client.login(admin.username).access
            let dead = try await client.send(.get, "/api/background/dead", token: token)
            let entry = try #require((dead.jsonArray ?? []).first { $0["id"] as? String == delivery })
            #expect(entry["kind"] as? String == "webhook")
            #expect(entry["last_error"] as? String == "receiver gone")
            let retried = try await client.send(.post, "/api/background/dead/\(delivery)/retry", token: token)
            #expect(retried.status == .ok)
            #expect(retried.json?["kind"] as? String == "webhook")
            #expect(try await client.send(.post, "/api/background/dead/\(delivery)/retry", token: token).status == .notFound)
        }
        try await redis.send(RedisCommand("ZREM", webhooks.keys.partition(of: delivery).scheduled, delivery), logger: TestStores.logger)
        await redis.shutdown()
    }
}
