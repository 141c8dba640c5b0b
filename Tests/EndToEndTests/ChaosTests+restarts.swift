import Foundation
import Postgres
import PostgresNIO
import ProcessSupport
import Store
import TestSupport
import Testing

extension ChaosTests {
    // MARK: Reads in flight at an immediate restart

    /// Orders the readers read: an export is six pages of 500, a list of 100 with its lines
    /// spans many socket reads.
    static let seededOrders = 3000

    /// postgres-nio 1.33.2 traps when the server's socket closes while a row stream waits for
    /// its consumer's demand (`RowStreamStateMachine.swift:94`, docs/postgres-nio-pool-restart.md):
    /// multi-row reads in flight (lists of 100 with their lines, CSV exports read fast and slowly,
    /// stats; straight to each gateway, so that both are read from in equal measure) while
    /// Postgres is restarted with `-m immediate` 20 times. No process may die.
    @Test func multiRowReadsSurviveImmediateRestarts() async throws {
        try await Self.withStack(orders: Self.seededOrders) { stack, _ in
            let token = try await Self.staffToken(stack)
            let traffic = Traffic(port: stack.port, products: Self.products)
            let stop = Shared(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for gateway in [stack.port + 1, stack.port + 2] {
                    group.addTask {
                        await traffic.slowExports(gatewayPort: gateway, token: token, bytesPerSecond: 1_000_000, until: stop)
                    }
                    for read: Traffic.Read in Array(repeating: .list, count: 8) + [.export, .export, .stats] {
                        group.addTask { await traffic.reader(read, token: token, port: gateway, until: stop) }
                    }
                }
                group.addTask {
                    defer { stop.update { $0 = true } }
                    try await Task.sleep(for: .seconds(2))
                    for _ in 0..<20 {
                        try await Self.stores("restart-postgres", "immediate")
                        try await Task.sleep(for: .milliseconds(Int.random(in: 2000...3000)))
                    }
                }
                try await group.waitForAll()
            }
            let attempts = traffic.attempts.value
            Self.reportReads(attempts, title: "Reads under 20 immediate restarts")
            // The restarts cut reads that were in flight (else the test proved nothing), and the
            // readers were answered again between them.
            #expect(attempts.contains { $0.status == 0 || $0.status >= 500 }, "no read was in flight at a restart")
            for kind in ["list", "export", "stats", "slow-export"] {
                #expect(attempts.contains { $0.kind == kind && $0.status == 200 }, "\(kind): no read answered")
            }
            Self.expectWellFormedAnswers(attempts)
            let (restarts, traps) = (try Self.restartCounts(stack), try Self.trapCounts(stack))
            #expect(restarts.isEmpty, "processes died: \(restarts); their traps: \(traps)")
            #expect(traps.isEmpty, "processes trapped: \(traps)")
        }
    }

    // MARK: Statements at the moment of a restart

    /// At a restart postgres-nio 1.33.2's pool lends connections whose sockets have just closed,
    /// and a statement written to one was neither answered nor failed (1–4 of 16 loops per
    /// restart held until their bound). 16 loops of short statements through a pool configured
    /// as every process's (`PlatformConfiguration`), Postgres restarted 8 times (`-m fast` and
    /// `-m immediate` in turn): every statement answers or fails within a few seconds, and each
    /// loop goes on being answered.
    @Test func noStatementIsLeftUnansweredByARestart() async throws {
        try await Self.stores("start")
        let settings = Settings.from([
            "DATABASE_URL": TestStores.databaseURL, "DATABASE_POOL_SIZE": "8", "REDIS_URL": "redis://127.0.0.1:1",
        ])
        let configuration = try PlatformConfiguration(settings: settings).postgres
        let database = Database(configuration: configuration, logger: TestStores.logger)
        let stop = Shared(false)
        let held = Shared<[String]>([])
        let answered = Shared(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            for _ in 0..<16 {
                group.addTask {
                    while !stop.value {
                        let start = ContinuousClock.now
                        do {
                            _ = try await Deadline.race(.seconds(8)) {
                                try await database.query("SELECT pg_sleep(0.005)", logger: TestStores.logger)
                            }
                            answered.update { $0 += 1 }
                        } catch {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        let took = start.duration(to: .now)
                        if took > .seconds(3) { held.update { $0.append("\(took)") } }
                    }
                }
            }
            for restart in 0..<8 {
                try await Task.sleep(for: .seconds(2))
                try await Self.stores("restart-postgres", restart.isMultiple(of: 2) ? "fast" : "immediate")
            }
            let before = answered.value
            try await Task.sleep(for: .seconds(2))
            #expect(answered.value > before, "nothing answered after the last restart")
            stop.update { $0 = true }
            for _ in 0..<16 { try await group.next() }
            group.cancelAll()
        }
        #expect(held.value.isEmpty, "statements held by a restart: \(held.value.prefix(5))")
    }

    // MARK: A restart storm under traffic

    /// 10 `-m immediate` and 5 `-m fast` restarts of Postgres, in a random order a few seconds
    /// apart, while 8 clients place orders and staff readers list, export and count them through
    /// nginx: no process dies, every order a client was told of is stored and moves once, every
    /// answer comes within the deadline, and every 5xx is a 502/503/504 problem+json.
    @Test func theStackRidesOutARestartStorm() async throws {
        try await Self.withStack { stack, database in
            let token = try await Self.staffToken(stack)
            let traffic = Traffic(port: stack.port, products: Self.products)
            let stop = Shared(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask { await traffic.client(client, until: stop) }
                }
                for read: Traffic.Read in [.list, .list, .export, .stats] {
                    group.addTask { await traffic.reader(read, token: token, until: stop) }
                }
                group.addTask {
                    defer { stop.update { $0 = true } }
                    try await Task.sleep(for: .seconds(3))
                    for mode in (Array(repeating: "immediate", count: 10) + Array(repeating: "fast", count: 5)).shuffled() {
                        try await Self.stores("restart-postgres", mode)
                        try await Task.sleep(for: .milliseconds(Int.random(in: 2000...3000)))
                    }
                    // Steady traffic after the last restart.
                    try await Task.sleep(for: .seconds(3))
                }
                try await group.waitForAll()
            }
            let attempts = traffic.attempts.value
            Self.reportReads(attempts, title: "Requests under 15 restarts (10 immediate, 5 fast)")
            try await Self.expectEveryOrderOnce(traffic.orders.value, database: database)
            Self.expectWellFormedAnswers(attempts)
            #expect(attempts.contains { $0.status == 0 || $0.status >= 500 }, "no request was in flight at a restart")
            for kind in ["create", "list", "export", "stats"] {
                #expect(attempts.filter { $0.kind == kind && $0.status / 100 == 2 }.count >= 5, "\(kind): too few answered")
            }
            let (restarts, traps) = (try Self.restartCounts(stack), try Self.trapCounts(stack))
            #expect(restarts.isEmpty, "processes died: \(restarts); their traps: \(traps)")
            #expect(traps.isEmpty, "processes trapped: \(traps)")
        }
    }

    // MARK: Helpers

    /// Signs in as the stack's bootstrap admin.
    static func staffToken(_ stack: LocalStack) async throws -> String {
        var connection = APIConnection(port: stack.port)
        var token: String?
        for _ in 0..<50 where token == nil {
            token = try? await ScaleTests.token(&connection, username: ScaleTests.adminEmail, password: ScaleTests.adminPassword)
            if token == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        await connection.close()
        return try #require(token, "the bootstrap admin could not sign in")
    }

    /// One customer's `count` delivered orders of three lines each, written directly.
    static func seed(orders count: Int, _ client: Database) async throws {
        try await client.query(
            """
            WITH customer AS (
                INSERT INTO users (id, username, email, password_hash, role)
                VALUES (gen_random_uuid(), 'seeded', 'seeded@example.com', 'not-a-hash', 'customer') RETURNING id
            ), o AS (
                INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, status, total_amount, currency,
                                    tracking_number, created_at, auto_process_at, cancellable_until)
                SELECT gen_random_uuid(), customer.id, 'Seeded customer ' || n, 'seeded@example.com', n || ' Export Street',
                       'delivered', 14.97, 'USD', 'TRACK-' || n, now() - n * interval '1 second', now(), now()
                FROM customer, generate_series(1, \(count)) n
                RETURNING id
            )
            INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, product_description, quantity, unit_price, total_price)
            SELECT gen_random_uuid(), o.id, p.id, p.sku, p.name, 'A line long enough to fill the socket', 1, p.price, p.price
            FROM o CROSS JOIN (SELECT * FROM products WHERE sku IN ('CHAOS-1', 'CHAOS-2', 'CHAOS-3')) p
            """,
            logger: TestStores.logger
        )
    }

    /// Prints, per kind of request, how many were answered with each status.
    static func reportReads(_ attempts: [Traffic.Attempt], title: String) {
        let kinds = Dictionary(grouping: attempts, by: \.kind).sorted { $0.key < $1.key }
        var lines = ["\(title):", "| request | total | by status (0: no answer or cut short) |", "|---|---|---|"]
        for (kind, all) in kinds {
            let statuses = Dictionary(grouping: all, by: \.status).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.count)" }
            lines.append("| \(kind) | \(all.count) | \(statuses.joined(separator: ", ")) |")
        }
        print("\n" + lines.joined(separator: "\n") + "\n")
    }
}
