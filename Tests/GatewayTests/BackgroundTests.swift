import Foundation
import HummingbirdTesting
import NIOFoundationCompat
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
}
