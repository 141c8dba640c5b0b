import Foundation
import Store
import Testing

/// The account operations against the real Postgres and Redis: what registration, sign-in and the
/// account pages of both front ends and the CLI rely on.
@Suite("Account operations", .timeLimit(.minutes(1)))
struct AccountOperationsTests {
    static func newAccount(role: Role = .customer, password: String = "correct-horse") -> NewAccount {
        let name = "acct_" + UUID().uuidString.prefix(10).lowercased()
        return NewAccount(username: name, email: name.uppercased() + "@Example.test", password: password, role: role)
    }

    @Test func anAccountIsCheckedWholeThenStoredOnceWithItsEmailLowercased() async throws {
        try await TestShop.with { shop in
            let bad = NewAccount(
                username: "x", email: "not an email", password: "short", role: .customer, phone: String(repeating: "1", count: 40))
            do {
                _ = try await shop.accounts.create(bad, logger: shop.logger)
                Issue.record("an invalid account was created")
            } catch let error as InvalidInput {
                #expect(Set(error.fields.map(\.field)) == ["username", "email", "password", "phone"])
            }
            let account = Self.newAccount()
            let user = try await shop.accounts.create(account, logger: shop.logger)
            #expect(user.email == account.email.lowercased() && user.passwordHash != account.password)
            var again = Self.newAccount()
            again.username = account.username.uppercased()
            await #expect(throws: StoreError(.duplicate, field: "username")) { try await shop.accounts.create(again, logger: shop.logger) }
        }
    }

    @Test func signingInRefusesEveryWrongCaseAlikeAndLimitsGuessesPerAccount() async throws {
        try await TestShop.with { shop in
            let account = Self.newAccount()
            let user = try await shop.accounts.create(account, logger: shop.logger)
            let client = "test-client-" + UUID().uuidString
            let signedIn = try await shop.accounts.authenticate(
                login: account.email, password: account.password, client: client, logger: shop.logger)
            #expect(signedIn.id == user.id)
            await #expect(throws: SignInRefused.self) {
                try await shop.accounts.authenticate(login: account.username, password: "wrong", client: client, logger: shop.logger)
            }
            await #expect(throws: SignInRefused.self) {
                try await shop.accounts.authenticate(login: "nobody-" + client, password: "wrong", client: client, logger: shop.logger)
            }
            // The fourth try for one account within the minute is refused before its password is checked.
            _ = try await shop.accounts.authenticate(
                login: account.username, password: account.password, client: client, logger: shop.logger)
            await #expect(throws: RateLimited.self) {
                try await shop.accounts.authenticate(
                    login: account.username, password: account.password, client: client, logger: shop.logger)
            }
        }
    }

    @Test func aPasswordChangeNeedsTheCurrentOneAndEndsTheOtherSessions() async throws {
        try await TestShop.with { shop in
            let account = Self.newAccount()
            let user = try await shop.accounts.create(account, logger: shop.logger)
            let kept = try await shop.accounts.sessions.create(
                userID: user.id, role: .customer, userAgent: nil, ip: nil, logger: shop.logger)
            _ = try await shop.accounts.sessions.create(userID: user.id, role: .customer, userAgent: nil, ip: nil, logger: shop.logger)
            await #expect(throws: AccountError(.wrongPassword)) {
                try await shop.accounts.changeOwn(
                    user.id, sessionID: kept.session.id, .init(currentPassword: "wrong", newPassword: "another-horse"), logger: shop.logger)
            }
            _ = try await shop.accounts.changeOwn(
                user.id, sessionID: kept.session.id, .init(currentPassword: account.password, newPassword: "another-horse"),
                logger: shop.logger)
            let left = try await shop.accounts.sessions.list(userID: user.id, logger: shop.logger)
            #expect(left.map(\.id) == [kept.session.id])
            _ = try await shop.accounts.authenticate(
                login: account.username, password: "another-horse", client: UUID().uuidString, logger: shop.logger)
        }
    }

    @Test func onlyAdminsListAndChangeAccountsAndNoAdminDemotesThemself() async throws {
        try await TestShop.with { shop in
            let admin = try await shop.actor(.admin)
            let vendor = try await shop.actor(.vendor)
            let customer = try await shop.accounts.create(Self.newAccount(), logger: shop.logger)
            await #expect(throws: Forbidden.self) { try await shop.accounts.list(UserQuery(), by: vendor, logger: shop.logger) }
            let found = try await shop.accounts.list(UserQuery(search: customer.username), by: admin, logger: shop.logger)
            #expect(found.items.map(\.id) == [customer.id])
            await #expect(throws: Forbidden.self) {
                try await shop.accounts.administer(customer.id, UserChanges(role: .vendor), by: vendor, logger: shop.logger)
            }
            await #expect(throws: AccountError(.selfDemotion)) {
                try await shop.accounts.administer(admin.id, UserChanges(role: .customer), by: admin, logger: shop.logger)
            }
            let promoted = try await shop.accounts.administer(customer.id, UserChanges(role: .vendor), by: admin, logger: shop.logger)
            #expect(promoted.role == .vendor)
        }
    }
}
