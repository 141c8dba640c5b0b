import Foundation
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Gateway

/// `/api/webhooks`: endpoints kept by admins, their secrets shown once, and the network guard
/// when a URL is saved. Nothing here connects anywhere: the guard decides from the URL's
/// address or the local resolver (`localhost`).
@Suite("Webhook endpoints", .timeLimit(.minutes(2)))
struct WebhooksTests {
    static let body = #"{"url": "https://hooks.example.com/orders", "events": ["order.created", "order.cancelled"], "description": "ERP"}"#

    @Test func onlyAdminsKeepEndpoints() async throws {
        let vendor = try await createAccount(role: .vendor)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            #expect(try await client.send(.get, "/api/webhooks/endpoints").status == .unauthorized)
            let token = try await client.login(vendor.username).access
            #expect(try await client.send(.get, "/api/webhooks/endpoints", token: token).status == .forbidden)
            #expect(try await client.send(.post, "/api/webhooks/endpoints", token: token, json: Self.body).status == .forbidden)
            #expect(
                try await client.send(.post, "/api/webhooks/endpoints", token: token, json: "{").status == .forbidden, "role before input")
        }
    }

    /// Create shows the secret once; get, list and update never do; rotate shows a new one;
    /// delete makes it 404.
    @Test func anEndpointsLifeAndItsSecret() async throws {
        let admin = try await createAccount(role: .admin)
        // The guard off: this test is about the API, not the address of a host it never calls.
        let app = try await makeAccountsGateway(["WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true"])
        try await app.test(.router) { client in
            let token = try await client.login(admin.username).access
            let created = try await client.send(.post, "/api/webhooks/endpoints", token: token, json: Self.body)
            #expect(created.status == .created)
            let secret = try #require(created.json?["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && (Data(base64Encoded: String(secret.dropFirst(6)))?.count ?? 0) >= 24)
            #expect(created.json?["active"] as? Bool == true)
            let id = try #require(created.json?["id"] as? String)

            let fetched = try await client.send(.get, "/api/webhooks/endpoints/\(id)", token: token)
            #expect(fetched.status == .ok && fetched.json?["secret"] == nil)
            #expect(fetched.json?["events"] as? [String] == ["order.created", "order.cancelled"])
            let listed = try await client.send(.get, "/api/webhooks/endpoints", token: token)
            #expect(listed.jsonArray?.contains { $0["id"] as? String == id && $0["secret"] == nil } == true)

            let updated = try await client.send(.put, "/api/webhooks/endpoints/\(id)", token: token, json: #"{"active": false}"#)
            #expect(updated.json?["active"] as? Bool == false)
            #expect(updated.json?["url"] as? String == "https://hooks.example.com/orders", "a PUT is partial")

            let rotated = try await client.send(.post, "/api/webhooks/endpoints/\(id)/rotate-secret", token: token)
            let newSecret = try #require(rotated.json?["secret"] as? String)
            #expect(newSecret != secret && newSecret.hasPrefix("whsec_"))

            let log = try await client.send(.get, "/api/webhooks/endpoints/\(id)/deliveries", token: token)
            #expect(log.status == .ok && (log.json?["items"] as? [Any])?.isEmpty == true)

            #expect(try await client.send(.delete, "/api/webhooks/endpoints/\(id)", token: token).status == .noContent)
            #expect(try await client.send(.get, "/api/webhooks/endpoints/\(id)", token: token).status == .notFound)
            #expect(try await client.send(.get, "/api/webhooks/endpoints/not-a-uuid", token: token).status == .notFound)
            #expect(try await client.send(.post, "/api/webhooks/deliveries/\(UUID())/retry", token: token).status == .notFound)
        }
    }

    /// With the guard on (the default), a URL that is not https, or whose host is or resolves
    /// to a non-public address, is refused with 422 naming `url`; nothing is stored.
    @Test func privateAndLoopbackTargetsAreRefusedWhenSaved() async throws {
        let admin = try await createAccount(role: .admin)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(admin.username).access
            let refused = [
                "http://hooks.example.com/x", "https://127.0.0.1/x", "https://10.0.0.1/x", "https://169.254.169.254/latest/meta-data",
                "https://[::1]/x", "https://localhost:8443/x", "https://100.64.0.1/x", "https://192.168.1.1/x",
                "https://[::ffff:127.0.0.1]/x",
                "https://[fd00::1]/x", "https://0.0.0.0/x", "https://user:pass@hooks.example.com/x", "not a url",
            ]
            for url in refused {
                let answer = try await client.send(
                    .post, "/api/webhooks/endpoints", token: token, json: #"{"url": "\#(url)", "events": ["order.created"]}"#)
                #expect(answer.status == .unprocessableContent, "\(url)")
                let fields = (answer.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                #expect(fields == ["url"], "\(url): \(String(describing: fields))")
            }
            let unknown = try await client.send(
                .post, "/api/webhooks/endpoints", token: token, json: #"{"url": "https://1.1.1.1/x", "events": ["order.shipped"]}"#)
            #expect(unknown.status == .unprocessableContent)
            // Other tests keep endpoints in the same database at the same time: look for these URLs.
            let stored = try await client.send(.get, "/api/webhooks/endpoints", token: token).jsonArray ?? []
            #expect(!stored.contains { refused.contains($0["url"] as? String ?? "") }, "nothing refused was stored")
        }
    }
}
