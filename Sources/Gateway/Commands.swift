import ArgumentParser
import Foundation
import Logging
import Postgres
import ProcessSupport
import Redis
import Store
import StoreClients

extension GatewayCommand {
    /// `gateway create-user --role admin --username ... --email ... --password ...`
    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account of any role (the way to make the first admin).")

        @Option(help: "customer, vendor or admin") var role: String = "customer"
        @Option var username: String
        @Option var email: String
        @Option(help: "8 to 128 characters; or set USER_PASSWORD to keep it out of the shell history")
        var password: String?

        func run() async throws {
            let configuration = await loadConfiguration(GatewayConfiguration.init)
            configuration.platform.bootstrapLogging()
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be customer, vendor or admin") }
            guard let password = password ?? ProcessInfo.processInfo.environment["USER_PASSWORD"] else {
                throw ValidationError("give --password or USER_PASSWORD")
            }
            let account = NewAccount(username: username, email: email, password: password, role: role)
            do {
                try account.validate()
            } catch {
                throw ValidationError(error.fields.map { "\($0.field) \($0.message)" }.joined(separator: "; "))
            }
            await exitOnStartupFailure {
                try await withAccounts(configuration) { accounts, logger in
                    let user = try await accounts.create(account, logger: logger)
                    print("created \(user.role.rawValue) \(user.username) (\(user.id.lowercasedString))")
                }
            }
        }
    }

    /// `gateway seed-demo`: the development accounts the README lists. Refused in production.
    struct SeedDemo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-demo", abstract: "Add demo accounts (development only; idempotent).")

        /// Documented development credentials; never created when ENV=production.
        static let accounts: [(String, String, Role)] = [
            ("admin", "admin-password", .admin),
            ("vendor", "vendor-password", .vendor),
            ("customer", "customer-password", .customer),
        ]

        func run() async throws {
            let configuration = await loadConfiguration(GatewayConfiguration.init)
            configuration.platform.bootstrapLogging()
            guard configuration.platform.environment != .production else {
                throw ValidationError("seed-demo refuses to run with ENV=production")
            }
            await exitOnStartupFailure {
                try await withAccounts(configuration) { accounts, logger in
                    for (username, password, role) in Self.accounts {
                        if try await accounts.find(login: username, logger: logger) != nil { continue }
                        _ = try await accounts.create(
                            NewAccount(
                                username: username, email: "\(username)@example.com", password: password, role: role,
                                fullName: "Demo \(role.rawValue.capitalized)"),
                            logger: logger
                        )
                        print("created demo \(role.rawValue) \(username) / \(password)")
                    }
                    let catalog = PostgresProductRepository(database: accounts.database)
                    var added = 0
                    for (sku, name, category, price, stock) in DemoCatalog.products
                    where try await catalog.find(sku: sku, logger: logger) == nil {
                        _ = try await catalog.create(
                            Product(
                                id: UUIDv7.make(), sku: sku, name: name, description: "Demo product: \(name).",
                                category: category, price: Decimal(string: price)!, stock: stock),
                            logger: logger
                        )
                        added += 1
                    }
                    if added > 0 { print("added \(added) demo products") }
                }
            }
        }
    }
}

/// Runs `body` with account rules over a short-lived database pool (Redis is not touched).
private func withAccounts(_ configuration: GatewayConfiguration, _ body: (AccountTools, Logger) async throws -> Void) async throws {
    let clients = StoreClients(configuration.platform, label: "gateway")
    let accounts = buildAccounts(configuration, database: clients.database, redis: clients.redis)
    try await clients.withDatabase {
        try await clients.migrator().requireCurrentSchema()
        try await body(AccountTools(accounts: accounts, database: clients.database), clients.logger)
    }
}

/// What the CLI commands work with: the account operations and the database under them.
private struct AccountTools {
    let accounts: AccountOperations
    let database: Database

    func find(login: String, logger: Logger) async throws -> User? {
        try await accounts.find(login: login, logger: logger)
    }

    func create(_ account: NewAccount, logger: Logger) async throws -> User {
        try await accounts.create(account, logger: logger)
    }
}
