import Foundation
import HTTPTypes
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Gateway

@Suite("Users and roles", .timeLimit(.minutes(2)))
struct UsersTests {
    // MARK: Role rules

    @Test func onlyAdminsManageUsers() async throws {
        let admin = try await createAccount(role: .admin)
        let vendor = try await createAccount(role: .vendor)
        let customer = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            #expect(try await client.send(.get, "/api/users").status == .unauthorized)
            for user in [vendor, customer] {
                let token = try await client.login(user.username).access
                #expect(try await client.send(.get, "/api/users", token: token).status == .forbidden)
                #expect(try await client.send(.post, "/api/users", token: token, json: "{}").status == .forbidden)
                #expect(try await client.send(.get, "/api/users/\(admin.id)", token: token).status == .forbidden)
                #expect(try await client.send(.delete, "/api/users/\(admin.id)", token: token).status == .forbidden)
            }
            let token = try await client.login(admin.username).access
            let list = try await client.send(.get, "/api/users?role=vendor&q=\(vendor.username)&size=5", token: token)
            #expect(list.status == .ok)
            #expect(list.json?["total"] as? Int == 1)
            #expect((list.json?["items"] as? [[String: Any]])?.first?["username"] as? String == vendor.username)
            #expect(list.json?["size"] as? Int == 5)
            #expect(try await client.send(.get, "/api/users?size=500", token: token).status == .badRequest)
            #expect(try await client.send(.get, "/api/users?role=king", token: token).status == .badRequest)
        }
    }

    @Test func adminCreatesAnyRole() async throws {
        let admin = try await createAccount(role: .admin)
        let app = try await makeAccountsGateway()
        let name = uniqueName("staff")
        try await app.test(.router) { client in
            let token = try await client.login(admin.username).access
            let created = try await client.send(
                .post, "/api/users", token: token,
                json: #"{"username":"\#(name)","email":"\#(name)@example.com","password":"vendor-password","role":"vendor"}"#)
            #expect(created.status == .created)
            #expect(created.json?["role"] as? String == "vendor")
            _ = try await client.login(name, "vendor-password")
        }
    }

    // MARK: Revocation

    @Test func deactivationEndsEverySessionAtOnce() async throws {
        let admin = try await createAccount(role: .admin)
        let customer = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let adminToken = try await client.login(admin.username).access
            let customerToken = try await client.login(customer.username).access
            #expect(try await client.send(.delete, "/api/users/\(customer.id)", token: adminToken).status == .noContent)
            #expect(try await client.send(.get, "/api/auth/me", token: customerToken).status == .unauthorized)
            #expect(
                try await client.post("/api/auth/login", json: #"{"username":"\#(customer.username)","password":"correct-horse"}"#).status
                    == .unauthorized)
            let fetched = try await client.send(.get, "/api/users/\(customer.id)", token: adminToken)
            #expect(fetched.json?["is_active"] as? Bool == false)
            #expect(try await client.send(.delete, "/api/users/\(admin.id)", token: adminToken).status == .conflict)
        }
    }

    @Test func roleChangeEndsSessions() async throws {
        let admin = try await createAccount(role: .admin)
        let customer = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let adminToken = try await client.login(admin.username).access
            let customerToken = try await client.login(customer.username).access
            let updated = try await client.send(
                .put, "/api/users/\(customer.id)", token: adminToken, json: #"{"role":"vendor","full_name":"Now Staff"}"#)
            #expect(updated.status == .ok)
            #expect(updated.json?["role"] as? String == "vendor")
            #expect(try await client.send(.get, "/api/auth/me", token: customerToken).status == .unauthorized)
        }
    }

    @Test func passwordChangeKeepsOnlyTheCurrentSession() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let other = try await client.login(user.username)
            let current = try await client.login(user.username)
            let wrong = try await client.send(
                .put, "/api/users/me", token: current.access, json: #"{"current_password":"nope-nope","new_password":"brand-new-pass"}"#)
            #expect(wrong.status == .unprocessableContent)
            let missing = try await client.send(.put, "/api/users/me", token: current.access, json: #"{"new_password":"brand-new-pass"}"#)
            #expect(missing.status == .unprocessableContent)

            let changed = try await client.send(
                .put, "/api/users/me", token: current.access,
                json: #"{"current_password":"correct-horse","new_password":"brand-new-pass","phone":"+91 98765"}"#)
            #expect(changed.status == .ok)
            #expect(changed.json?["phone"] as? String == "+91 98765")
            #expect(try await client.send(.get, "/api/users/me", token: current.access).status == .ok)
            #expect(try await client.send(.get, "/api/users/me", token: other.access).status == .unauthorized)
            _ = try await client.login(user.username, "brand-new-pass")

            let cleared = try await client.send(.put, "/api/users/me", token: current.access, json: #"{"phone":null}"#)
            #expect(cleared.status == .ok)
            #expect(cleared.json?["phone"] is NSNull)
        }
    }

    @Test func longPasswordsAreNotTruncated() async throws {
        let hasher = PasswordHasher(cost: 4)
        let base = String(repeating: "a", count: 100)
        let hash = try await hasher.hash(base + "1")
        #expect(try await hasher.verify(base + "1", against: hash))
        #expect(try await !hasher.verify(base + "2", against: hash), "bytes past 72 must count")
        #expect(try await !hasher.verify(base + "1", against: nil), "the decoy never matches")
    }

    // MARK: Status emails

    /// A customer turns status emails off and on again through `PUT /api/users/me`; a field that
    /// is not a boolean is refused, and leaving it out changes nothing.
    @Test func statusEmailsAreTheCustomersChoice() async throws {
        let customer = try await createAccount(role: .customer)
        try await makeAccountsGateway().test(.router) { client in
            let token = try await client.login(customer.username).access
            let off = try await client.send(.put, "/api/users/me", token: token, json: #"{"email_notifications": false}"#)
            #expect(off.status == .ok && off.json?["email_notifications"] as? Bool == false)
            let kept = try await client.send(.put, "/api/users/me", token: token, json: #"{"full_name": "Quiet One"}"#)
            #expect(kept.json?["email_notifications"] as? Bool == false, "absent: unchanged")
            #expect(
                try await client.send(.put, "/api/users/me", token: token, json: #"{"email_notifications": "no"}"#).status
                    == .unprocessableContent)
            let on = try await client.send(.put, "/api/users/me", token: token, json: #"{"email_notifications": true}"#)
            #expect(on.json?["email_notifications"] as? Bool == true)
        }
    }
}
