import Foundation
import Postgres
import TestSupport
import Testing

@testable import Store

/// Every prepared statement settles on Postgres's generic plan: after five executions planned
/// for their values, Postgres keeps planning each execution anew whenever the plan for the
/// values looks cheaper than the generic one, which a `LIMIT`, an array's length or a
/// customer's row count make it, and planning then costs about as much as running. The
/// statements of today are run and counted; any statement of tomorrow is held to the rule its
/// SQL must follow (``rule``).
@Suite("Prepared statement plans", .serialized, .timeLimit(.minutes(1)))
struct PreparedStatementPlansTests {
    /// Runs of each statement: the five planned for their values, then three that should reuse
    /// the generic plan.
    static let runs = 8

    /// A parameter Postgres would cost by its value in a plan made for it: an array handed
    /// straight to `ANY` or `unnest`, a `LIMIT` or an `OFFSET` (read through `(SELECT $n)`
    /// instead, ``PreparedStatement``). Only prepared statements write `$n` in Swift; every
    /// other statement binds by interpolation.
    static let rule = SourceRule(forbidding: #"[(,] ?\$[0-9]+::[a-z0-9_]+\[\]|(LIMIT|OFFSET) \$[0-9]"#)

    /// How often Postgres planned each of this session's prepared statements for its values
    /// (`custom_plans`) and reused the generic plan (`generic_plans`), by statement text.
    static func plans(on connection: DatabaseConnection, shop: TestShop) async throws -> [String: (generic: Int, custom: Int)] {
        var plans: [String: (generic: Int, custom: Int)] = [:]
        for row in try await connection.query(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE NOT from_sql", logger: shop.logger)
        {
            let (statement, generic, custom) = try row.decode((String, Int, Int).self)
            plans[statement] = (generic, custom)
        }
        return plans
    }

    /// Gives the planner the tables' statistics, as autovacuum keeps them in a shop's database
    /// (the tests' tables are younger than its first visit): without them every estimate is a
    /// guess of a few rows, whatever the values. (The suite is serialized: no two of its
    /// `ANALYZE`s of one table run at once.)
    static func analyze(_ shop: TestShop) async throws {
        try await shop.database.query("ANALYZE orders, order_items, payments, products, users", logger: shop.logger)
    }

    /// Expects `Statement` to have run ``runs`` times on the generic plan after the first five.
    static func expectGeneric<Statement: PreparedStatement>(
        _ statement: Statement.Type, in plans: [String: (generic: Int, custom: Int)], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let counts = plans[Statement.sql]
        #expect(counts != nil, "\(Statement.self) did not run", sourceLocation: sourceLocation)
        guard let counts else { return }
        #expect(counts.generic + counts.custom == runs, "\(Statement.self): \(counts)", sourceLocation: sourceLocation)
        #expect(counts.custom <= 5, "\(Statement.self) planned every run for its values: \(counts)", sourceLocation: sourceLocation)
    }

    // MARK: Tests

    @Test func noStatementHandsPostgresAnArrayOrALimitItWouldPlanFor() throws {
        let files = SourceRule.swiftFiles(under: "Sources")
        #expect(files.count > 100, "found only \(files.count) Swift files")
        var found: [String] = []
        for (path, file) in files {
            found += Self.rule.violations(in: try String(contentsOf: file, encoding: .utf8)).map { "\(path): \($0)" }
        }
        #expect(found.isEmpty, "parameters Postgres would plan each run for: \(found)")
    }

    @Test func theRuleSeesWhatBreaksIt() {
        #expect(Self.rule.violations(in: "SELECT 1 FROM orders WHERE id = ANY($1::uuid[])").count == 1)
        #expect(Self.rule.violations(in: "FROM unnest($1::uuid[], $2::uuid[]) AS e(a, b)").count == 1)
        #expect(Self.rule.violations(in: "FROM unnest((SELECT $1::uuid[]), $2::int8[]) AS e(a, b)").count == 1)
        #expect(Self.rule.violations(in: "ORDER BY id LIMIT $2::int8 OFFSET (SELECT $3::int8)").count == 1)
        #expect(Self.rule.violations(in: "WHERE id = ANY((SELECT $1::uuid[])::uuid[]) LIMIT (SELECT $2::int8)").isEmpty)
        #expect(Self.rule.violations(in: "FROM unnest((SELECT $1::uuid[]), (SELECT $2::uuid[])) AS e(a, b)").isEmpty)
        #expect(Self.rule.violations(in: "SELECT 1 FROM users WHERE id = $1::uuid FOR NO KEY UPDATE").isEmpty)
    }

    @Test func theReadsOfOrdersSettleOnTheGenericPlan() async throws {
        try await Self.withShopOfItsOwn { shop in
            let customer = try await shop.actor(.customer)
            let product = try await shop.product(stock: 100)
            var placed: [Order] = []
            for _ in 0..<3 { placed.append(try await shop.place(product, by: customer)) }
            let ids = placed.map(\.id)
            let page = try #require(CustomerOrdersPageStatement(OrderQuery(userID: customer.id, size: 2)))
            try await Self.analyze(shop)
            let plans = try await shop.database.withConnection { connection in
                for run in 0..<Self.runs {
                    // Different values each run, as requests bring them.
                    #expect(try await connection.execute(OrderByIDStatement(id: ids[run % ids.count]), logger: shop.logger).count == 1)
                    // Two of them: fewer than Postgres guesses for an array it cannot see.
                    let some = [ids[run % ids.count], ids[(run + 1) % ids.count]]
                    #expect(try await connection.execute(OrdersByIDStatement(ids: some), logger: shop.logger).count == some.count)
                    var next = page
                    next.offset = run % 2
                    #expect(try await !connection.execute(next, logger: shop.logger).isEmpty)
                }
                return try await Self.plans(on: connection, shop: shop)
            }
            Self.expectGeneric(OrderByIDStatement.self, in: plans)
            Self.expectGeneric(OrdersByIDStatement.self, in: plans)
            Self.expectGeneric(CustomerOrdersPageStatement.self, in: plans)
        }
    }

    @Test func theWritesOfOrdersSettleOnTheGenericPlan() async throws {
        try await Self.withShopOfItsOwn { shop in
            let customer = try await shop.actor(.customer)
            let products = [try await shop.product(stock: 100), try await shop.product(stock: 100)]
            let rules = OrderPlacementLocksTests.rules()
            try await Self.analyze(shop)
            let plans = try await shop.database.withConnection { connection in
                for run in 0..<Self.runs {
                    let skus = Array(products.map(\.sku).prefix(1 + run % 2))
                    let order = NewOrder(
                        userID: customer.id, actorRole: .customer, customerName: "Ada Customer", customerEmail: "ada@example.test",
                        customerPhone: nil, shippingAddress: "1 Test Street", notes: nil, lines: skus.map { ($0, 1) },
                        idempotencyKey: "key-\(run)", requestHash: Array("\(run)".utf8))
                    let placed = try await connection.transaction(logger: shop.logger) { connection in
                        let locked = try await connection.execute(
                            PlaceOrderStatements.KeyAndCustomerLock(userID: customer.id, key: "key-\(run)"), logger: shop.logger)
                        #expect(locked == [true])
                        try await connection.execute(PlaceOrderStatements.CustomerLock(userID: customer.id), logger: shop.logger)
                        let rows = try await connection.execute(
                            PlaceOrderStatements.PendingKeyAndProducts(userID: customer.id, key: "key-\(run)", skus: skus),
                            logger: shop.logger)
                        let found = rows.compactMap(\.product)
                        #expect(found.count == skus.count)
                        let place = PlaceOrderStatements.Place(
                            order: order, orderID: UUIDv7.make(), lines: found.map { ($0.id, 1) },
                            total: found.reduce(Decimal(0)) { $0 + $1.price }, rules: rules)
                        return try await connection.execute(place, logger: shop.logger)
                    }
                    #expect(placed.count == 1)
                    try await connection.transaction(logger: shop.logger) { connection in
                        try await RecordOrderEvents(
                            orders: placed.map(\.id), from: .pending, to: .processing, actorID: nil, actorRole: nil, reason: "plans"
                        ).run(on: connection, logger: shop.logger)
                        let moved = try await connection.execute(
                            MoveDueOrders(orders: placed.map(\.id), reason: "plans"), logger: shop.logger)
                        #expect(moved.count == 1)
                    }
                }
                return try await Self.plans(on: connection, shop: shop)
            }
            Self.expectGeneric(PlaceOrderStatements.KeyAndCustomerLock.self, in: plans)
            Self.expectGeneric(PlaceOrderStatements.CustomerLock.self, in: plans)
            Self.expectGeneric(PlaceOrderStatements.PendingKeyAndProducts.self, in: plans)
            Self.expectGeneric(PlaceOrderStatements.Place.self, in: plans)
            Self.expectGeneric(RecordOrderEvents.self, in: plans)
            Self.expectGeneric(MoveDueOrders.self, in: plans)
        }
    }

    /// A shop on a database of the test's own, dropped after it: Postgres picks a plan by the
    /// tables' statistics and the costs seen so far, which tests writing the shared database at
    /// the same time (and autovacuum's analyses after them) would move under the count; and
    /// the orders it leaves pending beside `processing` events would stop a reconciler's pass.
    static func withShopOfItsOwn(_ body: (TestShop) async throws -> Void) async throws {
        try await TestStores.withEmptyDatabase { url in try await TestShop.with(databaseURL: url, body) }
    }
}
