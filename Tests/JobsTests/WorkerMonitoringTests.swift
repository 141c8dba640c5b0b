import Foundation
import HummingbirdTesting
@testable import Jobs
import Store
import TestSupport
import Testing

@Suite("Worker monitoring endpoints")
struct WorkerMonitoringTests {
    @Test func servesLiveReadyAndMetrics() async throws {
        _ = try await TestStores.migrated()
        let configuration = try WorkerConfiguration(settings: TestStores.settings())
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
        try await TestStores.withEmptyDatabase { url in
            let configuration = try WorkerConfiguration(settings: TestStores.settings(["DATABASE_URL": url]))
            let app = try await buildApplication(configuration)
            await #expect(throws: MigrationError.self) {
                try await app.test(.router) { _ in }
            }
        }
    }
}

import NIOFoundationCompat
