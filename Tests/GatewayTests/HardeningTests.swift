import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import PostgresNIO
import ProcessSupport
import Redis
import Store
import StoreClients
import TestSupport
import Testing

@testable import Gateway

/// Issue #13's defects, each with the request or the race that found it.
@Suite("Hardening", .timeLimit(.minutes(2)))
struct HardeningTests {
    let orders = OrdersTests()

    // MARK: Client numbers

    /// Two lines of one SKU whose quantities add up past `Int.max` used to trap the gateway
    /// (the merge ran before the range checks).
    @Test func quantitiesThatWouldOverflowWhenMergedAre422() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await orders.makeProduct(stock: 10)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let body =
                #"{"customer_name":"Ann","customer_email":"ann@example.com","shipping_address":"1 Main St","items":[{"product_sku":"\#(sku)","quantity":9223372036854775807},{"product_sku":"\#(sku)","quantity":1}]}"#
            let response = try await client.send(.post, "/api/orders", token: token, json: body)
            #expect(response.status == .unprocessableContent)
            let fields = (response.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            #expect(fields == ["items[0].quantity"])
            // Still serving, nothing taken.
            #expect(try await client.send(.get, "/health/live").status == .ok)
            #expect(try await orders.stock(sku) == 10)
        }
    }

    /// Two of a product at the highest price: the total does not fit `numeric(12,2)`; it used to
    /// reach Postgres and answer 500.
    @Test func aTotalBeyondTheMoneyColumnIs422NamingItems() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await orders.makeProduct(stock: 10, price: "9999999999.99")
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let response = try await orders.place(client, token: token, [(sku, 2)])
            #expect(response.status == .unprocessableContent)
            #expect((response.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "items")
            #expect(try await orders.stock(sku) == 10)
            // One of them still fits.
            #expect(try await orders.place(client, token: token, [(sku, 1)]).status == .created)
        }
    }

    // MARK: Lengths

    /// `e` + a combining acute accent: one character to Swift, two code points to Postgres.
    static let decomposed = "e\u{0301}"

    @Test func lengthsAreCountedAsTheDatabaseCountsThem() async throws {
        let app = try await makeAccountsGateway()
        let customer = try await createAccount(role: .customer)
        let sku = try await orders.makeProduct(stock: 10)
        try await app.test(.router) { client in
            // 164 decomposed letters: 164 characters but 328 code points, past the column's 254.
            let email = String(repeating: Self.decomposed, count: 150) + "@example.com"
            let name = uniqueName()
            let register = try await client.post(
                "/api/auth/register", json: #"{"username":"\#(name)","email":"\#(email)","password":"correct-horse"}"#
            )
            #expect(register.status == .unprocessableContent, "was 503 when the database refused it")
            #expect(try await userCount(username: name) == 0)

            let token = try await client.login(customer.username).access
            var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            headers[OrdersController.idempotencyKey] = String(repeating: Self.decomposed, count: 200)
            let keyed = try await client.execute(
                uri: "/api/orders", method: .post, headers: headers, body: .init(string: orders.orderJSON([(sku, 1)]))
            )
            #expect(keyed.status == .unprocessableContent, "was 500 when the database refused it")
            #expect(try await orders.stock(sku) == 10)

            // 60 decomposed letters are 120 code points: over customer_name's 100.
            let long = orders.orderJSON([(sku, 1)]).replacingOccurrences(
                of: #""Ann""#, with: "\"" + String(repeating: Self.decomposed, count: 60) + "\"")
            #expect(try await client.send(.post, "/api/orders", token: token, json: long).status == .unprocessableContent)
        }
    }

    // MARK: Logs

    /// Postgres's detail ("Failing row contains (…)") quotes the row; the database's error keeps
    /// only codes and names, so neither it nor a log line of it can carry a value.
    @Test func storeErrorsAreLoggedWithoutRowValues() async throws {
        let secret = "$2b$12$" + String(repeating: "s3cretHash", count: 5)
        let error = try await TestStores.withDatabase(url: try await TestStores.migrated()) { postgres -> (any Error)? in
            do {
                try await postgres.query(
                    "INSERT INTO users (id, username, email, password_hash) VALUES (\(UUIDv7.make()), \(uniqueName()), 'x', \(secret))",
                    logger: TestStores.logger
                )
                return nil
            } catch {
                return error
            }
        }
        let failure = try #require(error)
        #expect(failure is DatabaseError)
        #expect(!String(reflecting: failure).contains(secret), "the error carries no row value")
        let metadata = Logger.Metadata.describing(failure)
        let text = metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        #expect(!text.contains(secret))
        #expect(!text.contains("Failing row"))
        #expect(metadata["error.sql_state"] == "23514")
        #expect(metadata["error.constraint"] == "users_email_check")
        #expect(metadata["error.table"] == "users")
        #expect(StoreFailure(failure)?.kind == .bug, "a constraint we did not check is a bug, not an outage")
    }

    // MARK: Bootstrap admin

    @Test func anAdminEmailOfAnExistingAccountIsReportedNotSilentlyIgnored() async throws {
        let existing = try await createAccount(role: .customer)
        let configuration = try GatewayConfiguration(settings: TestStores.settings())
        let logs = LogCapture()
        try await TestStores.withDatabase(url: try await TestStores.migrated()) { postgres in
            let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
            let accounts = buildAccounts(configuration, database: postgres, redis: redis)
            try await accounts.bootstrapAdmin(email: existing.email, password: "operator-password", logger: logs.logger())
            let after = try #require(try await accounts.find(id: existing.id, logger: TestStores.logger))
            #expect(after.role == .customer)
            #expect(after.passwordHash == existing.passwordHash)
        }
        let warning = logs.all.first { $0.level == .warning && $0.message.contains("ADMIN_EMAIL") }
        #expect(warning != nil, "logged: \(logs.all.map(\.text))")
        #expect(warning?.metadata["user.id"] == "\(existing.id)")
        #expect(!(logs.all.map(\.text).joined().contains("operator-password")))
    }

    /// The admin an earlier start created is no news: a restart logs no warning.
    @Test func theBootstrapAdminOfAnEarlierStartIsNoWarning() async throws {
        let email = "\(uniqueName("boot"))@example.com"
        let configuration = try GatewayConfiguration(settings: TestStores.settings())
        let logs = LogCapture()
        try await TestStores.withDatabase(url: try await TestStores.migrated()) { postgres in
            let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
            let accounts = buildAccounts(configuration, database: postgres, redis: redis)
            try await accounts.bootstrapAdmin(email: email, password: "operator-password", logger: TestStores.logger)
            try await accounts.bootstrapAdmin(email: email, password: "operator-password", logger: logs.logger())
            #expect(try await accounts.find(login: email, logger: TestStores.logger)?.role == .admin)
        }
        #expect(logs.all.filter { $0.level >= .warning }.isEmpty, "\(logs.all.map(\.text))")
    }

    // MARK: CSV export

    @Test func exportedCellsThatASpreadsheetWouldRunAreNeutralised() async throws {
        var writer = CSVWriter()
        writer.row(["=HYPERLINK(\"http://x\",\"y\")", "+1 555", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "a,b", "5-3"])
        let line = String(buffer: writer.take())
        #expect(line == #""'=HYPERLINK(""http://x"",""y"")","'+1 555","'-2","'@SUM(A1)","'"# + "\tx\",\"'\rx\",plain,\"a,b\",5-3\r\n")

        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await orders.makeProduct(stock: 5)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let body = orders.orderJSON([(sku, 1)], notes: #"=HYPERLINK(\"http://evil\",\"x\")"#)
            #expect(try await client.send(.post, "/api/orders", token: token, json: body).status == .created)
            let staff = try await client.login(vendor.username).access
            let csv = String(buffer: try await client.send(.get, "/api/orders/export?user_id=\(customer.id)", token: staff).body)
            #expect(csv.contains(#""'=HYPERLINK(""http://evil"",""x"")""#), "\(csv)")
            #expect(!csv.contains(",=HYPERLINK"))
        }
    }

    // MARK: Roles

    @Test func onlyAdminsChangeIsActive() async throws {
        let vendor = try await createAccount(role: .vendor)
        let admin = try await createAccount(role: .admin)
        let sku = try await orders.makeProduct(stock: 5)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let vendorToken = try await client.login(vendor.username).access
            #expect(
                try await client.send(.put, "/api/products/\(sku)", token: vendorToken, json: #"{"is_active":false}"#).status == .forbidden)
            #expect(try await client.send(.get, "/api/products/\(sku)").status == .ok, "still on sale")
            // Vendors still edit everything else.
            #expect(try await client.send(.put, "/api/products/\(sku)", token: vendorToken, json: #"{"stock":7}"#).status == .ok)
            let adminToken = try await client.login(admin.username).access
            #expect(try await client.send(.put, "/api/products/\(sku)", token: adminToken, json: #"{"is_active":false}"#).status == .ok)
            #expect(
                try await client.send(.put, "/api/products/\(sku)", token: vendorToken, json: #"{"is_active":true}"#).status == .forbidden)
            #expect(try await client.send(.get, "/api/products/\(sku)").status == .notFound, "a vendor cannot restore it")
        }
    }

    /// Two admins demote each other at the same moment, many times over: the database lets at
    /// most one of each pair through, so an active admin always remains.
    @Test func twoAdminsDemotingEachOtherAtOnceLeaveOneAdmin() async throws {
        try await TestStores.withEmptyDatabase { database in
            try await TestStores.withDatabase(url: database) { postgres in
                try await Migrator(database: postgres, migrations: Migration.bundled(), logger: TestStores.logger).migrate()
            }
            let app = try await makeAccountsGateway(["DATABASE_URL": database])
            try await app.test(.router) { client in
                for round in 0..<5 {
                    let (first, second) = try await Self.twoAdmins(in: database, round: round)
                    let firstToken = try await client.login(first.username).access
                    let secondToken = try await client.login(second.username).access
                    async let one = client.send(.put, "/api/users/\(second.id)", token: firstToken, json: #"{"role":"customer"}"#)
                    async let two = client.send(.put, "/api/users/\(first.id)", token: secondToken, json: #"{"role":"customer"}"#)
                    let statuses = try await [one.status, two.status]
                    #expect(statuses.filter { $0 == .ok }.count <= 1, "round \(round): \(statuses)")
                    #expect(try await Self.activeAdmins(in: database) >= 1, "round \(round): no admin left")
                    try await Self.demoteEveryone(in: database)
                }
            }
        }
    }

    // MARK: Helpers

    static func twoAdmins(in database: String, round: Int) async throws -> (User, User) {
        try await TestStores.withDatabase(url: database) { postgres in
            let configuration = try GatewayConfiguration(settings: TestStores.settings(["DATABASE_URL": database]))
            let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
            let accounts = buildAccounts(configuration, database: postgres, redis: redis)
            var made: [User] = []
            for _ in 0..<2 {
                let name = uniqueName("admin\(round)")
                made.append(
                    try await accounts.create(
                        .init(username: name, email: "\(name)@example.com", password: "correct-horse", role: .admin),
                        logger: TestStores.logger
                    ))
            }
            return (made[0], made[1])
        }
    }

    static func activeAdmins(in database: String) async throws -> Int {
        try await TestStores.withDatabase(url: database) { postgres in
            try await postgres.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND is_active") ?? 0
        }
    }

    static func demoteEveryone(in database: String) async throws {
        try await TestStores.withDatabase(url: database) { postgres in
            try await postgres.query("UPDATE users SET role = 'customer'", logger: TestStores.logger)
        }
    }
}
