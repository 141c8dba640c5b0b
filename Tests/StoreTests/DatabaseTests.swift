import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// The pool's own paths against a real Postgres (a database of each test's own): transactions, a
/// statement run alone in one (at once or at a start time), and warming connections before a burst.
@Suite("Database", .timeLimit(.minutes(1)))
struct DatabaseTests {
    let logger = TestStores.logger

    /// Inserts two ids in one statement and returns them.
    struct InsertTwo: PreparedStatement {
        static let sql = "INSERT INTO items (id) VALUES ($1::bigint), ($2::bigint) RETURNING id"
        var first: Int
        var second: Int

        func bind(to binds: inout StatementBinds) throws {
            try binds.append(first)
            try binds.append(second)
        }

        func decodeRow(_ row: DatabaseRow) throws -> Int { try row.decode(Int.self) }
    }

    /// `body` with a pool of `size` connections on a database of its own holding `items`.
    func withItems(
        poolSize size: Int, minimum: Int = 1, idleSeconds: Int = 10,
        keepAlive: PostgresClient.Configuration.Options.KeepAliveBehavior? = .init(),
        _ body: (Database) async throws -> Void
    ) async throws {
        try await TestStores.withEmptyDatabase { url in
            var configuration = try PostgresClient.Configuration(url: url)
            configuration.options.maximumConnections = size
            configuration.options.minimumConnections = minimum
            configuration.options.connectionIdleTimeout = .seconds(idleSeconds)
            configuration.options.keepAliveBehavior = keepAlive
            let database = Database(configuration: configuration, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await database.run() }
                defer { group.cancelAll() }
                try await database.query("CREATE TABLE items (id bigint PRIMARY KEY)", logger: logger)
                try await body(database)
            }
        }
    }

    // MARK: A statement alone in a transaction

    /// BEGIN, the statement and COMMIT go out together: a success is committed, and a failure's
    /// aborted transaction is ended by the queued COMMIT, so the one connection serves the next
    /// statement (left inside it, the next would fail with "current transaction is aborted").
    @Test func aStatementAloneInATransactionCommitsOrLeavesItsConnectionClean() async throws {
        try await withItems(poolSize: 1) { database in
            let inserted = try await database.executeInTransaction(InsertTwo(first: 1, second: 2), logger: logger)
            #expect(inserted == [1, 2])
            await #expect(throws: DatabaseError.self) {
                try await database.executeInTransaction(InsertTwo(first: 3, second: 1), logger: logger)
            }
            let (all, three) = (
                try await database.scalar("SELECT count(*) FROM items", as: Int.self),
                try await database.scalar("SELECT count(*) FROM items WHERE id = 3", as: Int.self)
            )
            #expect(all == 2 && three == 0)
            let again = try await database.executeInTransaction(InsertTwo(first: 3, second: 4), logger: logger)
            #expect(again == [3, 4])
        }
    }

    /// Why a transaction's body gave up in the test below.
    struct GaveUp: Error {}

    /// A transaction commits what its body did, and rolls all of it back when the body throws,
    /// after a failed statement (an aborted transaction) or not; its own statements are prepared
    /// on the connection like any hot statement, and the one connection serves what follows.
    @Test func aTransactionCommitsItsBodyOrRollsItAllBack() async throws {
        try await withItems(poolSize: 1) { database in
            try await database.transaction(logger: logger) { connection in
                try await connection.execute(InsertTwo(first: 1, second: 2), logger: logger)
            }
            await #expect(throws: DatabaseError.self) {
                try await database.transaction(logger: logger) { connection in
                    try await connection.execute(InsertTwo(first: 3, second: 4), logger: logger)
                    try await connection.execute(InsertTwo(first: 5, second: 1), logger: logger)
                }
            }
            await #expect(throws: GaveUp.self) {
                try await database.transaction(logger: logger) { connection in
                    try await connection.execute(InsertTwo(first: 6, second: 7), logger: logger)
                    throw GaveUp()
                }
            }
            #expect(try await database.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM items", as: String.self) == "1,2")
            let prepared = try await database.query(
                "SELECT statement FROM pg_prepared_statements WHERE statement IN ('BEGIN', 'COMMIT', 'ROLLBACK') ORDER BY statement",
                logger: logger
            ).map { try $0.decode(String.self) }
            #expect(prepared == ["BEGIN", "COMMIT", "ROLLBACK"])
        }
    }

    /// The transaction's and the statement's times.
    struct Times: PreparedStatement {
        static let sql = "SELECT now(), statement_timestamp()"
        func bind(to binds: inout StatementBinds) throws {}
        func decodeRow(_ row: DatabaseRow) throws -> (transaction: Date, statement: Date) { try row.decode((Date, Date).self) }
    }

    /// With a start time, BEGIN goes out at once and the statement not before the start.
    @Test func aStatementGivenAStartBeginsItsTransactionAtOnceAndRunsThen() async throws {
        try await withItems(poolSize: 1) { database in
            // The pool's one connection opened and its statements prepared first: on a loaded
            // machine each of those round trips took over 100 ms, which is not what this measures.
            await database.warm(connections: 1, preparing: [Times.self])
            let asked = Date()
            let start = ContinuousClock.now + .milliseconds(600)
            let rows = try await database.executeInTransaction(Times(), startingAt: start, logger: logger)
            #expect(ContinuousClock.now >= start)
            let times = try #require(rows.first)
            #expect(times.statement.timeIntervalSince(asked) >= 0.599, "the statement ran at its start, not before")
            #expect(times.statement.timeIntervalSince(times.transaction) >= 0.4, "the transaction began well before it")
        }
    }

    // MARK: Warming

    /// Warming opens the asked-for connections, each with the statements prepared.
    @Test func warmingOpensAndPreparesEachConnection() async throws {
        try await withItems(poolSize: 4) { database in
            await database.warm(connections: 3, preparing: [InsertTwo.self])
            #expect(database.lanes.preparedConnectionCount == 3)
            let open = try await database.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
                as: Int.self)
            #expect((open ?? 0) >= 3)
        }
    }

    // MARK: Lanes

    /// A count the tasks of one test share.
    final class Tally: Sendable {
        let count = Mutex(0)
    }

    /// The server processes of this database's client connections, this test's own included.
    func openConnections(_ database: Database) async throws -> Int {
        try await database.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
            as: Int.self) ?? 0
    }

    /// Leases at once each get a connection of their own up to the pool's size, then share;
    /// connections above the minimum close once unused for the idle timeout.
    @Test func concurrentLeasesOpenConnectionsThatCloseWhenIdle() async throws {
        try await withItems(poolSize: 3, minimum: 1, idleSeconds: 1) { database in
            let held = Tally()
            let backends = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await database.withConnection { connection in
                            let pid = try await connection.query("SELECT pg_backend_pid()", logger: logger).first?.decode(Int.self)
                            held.count.withLock { $0 += 1 }
                            // Held until all four have one, or 10 s: the fourth waits for one, and
                            // the three must overlap even when the run's start holds tasks back.
                            let until = ContinuousClock.now + .seconds(10)
                            while held.count.withLock({ $0 }) < 4 && ContinuousClock.now < until {
                                try await Task.sleep(for: .milliseconds(10))
                            }
                            return pid ?? 0
                        }
                    }
                }
                return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
            }
            #expect(backends.count == 3, "four leases, a pool of three: \(backends)")
            #expect(try await openConnections(database) == 3)
            // The sweep runs each second: idle for 1 s, closed within about 2.
            let until = ContinuousClock.now + .seconds(5)
            var open = try await openConnections(database)
            while open > 1 && ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(200))
                open = try await openConnections(database)
            }
            #expect(open == 1, "down to the minimum")
            // And open again when asked.
            #expect(try await database.scalar("SELECT 1", as: Int.self) == 1)
        }
    }

    /// A lane whose connection closes (its backend terminated, as at a restart) holds the next
    /// one its pool opens: statements run again, on another backend.
    @Test func aLaneWhoseConnectionClosesHoldsTheNextOne() async throws {
        try await withItems(poolSize: 1) { database in
            let first = try await database.scalar("SELECT pg_backend_pid()", as: Int.self)
            await #expect(throws: DatabaseError.self) {
                try await database.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: logger)
            }
            let until = ContinuousClock.now + .seconds(5)
            var next: Int?
            while next == nil && ContinuousClock.now < until {
                next = try? await database.scalar("SELECT pg_backend_pid()", as: Int.self)
                if next == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(next != nil && next != first, "a new backend (\(String(describing: next)) after \(String(describing: first)))")
        }
    }

    /// A connection unused for the keep-alive's interval runs its query (the lanes' sweep does it:
    /// a held connection is never idle in its pool, where postgres-nio's would run).
    @Test func anIdleConnectionRunsTheKeepAlive() async throws {
        // In the statement's text (a bound value would not show in pg_stat_activity); a UUID only.
        let marker = "keep-alive \(UUID().uuidString)"
        let query = PostgresQuery(unsafeSQL: "SELECT '\(marker)'")
        try await withItems(poolSize: 2, minimum: 2, keepAlive: .init(frequency: .seconds(1), query: query)) { database in
            // Both connections open; then one watches the other from its own lease.
            try await database.warm(connections: 2, preparing: [])
            let seen = try await database.withConnection { watcher in
                let until = ContinuousClock.now + .seconds(5)
                var seen = 0
                while seen == 0 && ContinuousClock.now < until {
                    try await Task.sleep(for: .milliseconds(100))
                    seen =
                        try await watcher.query(
                            "SELECT count(*)::bigint FROM pg_stat_activity WHERE query LIKE '%' || \(marker) || '%' AND pid <> pg_backend_pid()",
                            logger: logger
                        ).first?.decode(Int.self) ?? 0
                }
                return seen
            }
            #expect(seen == 1, "the idle connection ran the keep-alive's query")
        }
    }

    /// The keep-alive does not count as a use: a connection above the minimum kept alive each
    /// second still closes once no lease used it for the idle timeout.
    @Test func theKeepAliveDoesNotHoldAnIdleConnectionOpen() async throws {
        try await withItems(poolSize: 2, minimum: 1, idleSeconds: 3, keepAlive: .init(frequency: .seconds(1))) { database in
            try await database.warm(connections: 2, preparing: [])
            #expect(try await openConnections(database) == 2)
            let until = ContinuousClock.now + .seconds(8)
            var open = 2
            while open > 1 && ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(300))
                open = try await openConnections(database)
            }
            #expect(open == 1, "down to the minimum despite its keep-alives")
        }
    }

    /// A connection whose keep-alive is not answered within its interval (a peer gone without a
    /// word, here a query that sleeps) is closed, and its lane holds the next one.
    @Test func aConnectionThatDoesNotAnswerItsKeepAliveIsReplaced() async throws {
        try await withItems(poolSize: 1, keepAlive: .init(frequency: .seconds(1), query: "SELECT pg_sleep(10)")) { database in
            let first = try await database.scalar("SELECT pg_backend_pid()", as: Int.self)
            // Idle for 1 s (a sweep each second), then 1 s without an answer.
            try await Task.sleep(for: .seconds(4))
            let next = try await database.scalar("SELECT pg_backend_pid()", as: Int.self)
            #expect(next != first, "another backend (\(next) after \(first))")
        }
    }

    /// Once the database has stopped, a statement fails at once as a connection error.
    @Test func aStoppedDatabaseRefusesAtOnce() async throws {
        try await TestStores.withEmptyDatabase { url in
            let database = Database(configuration: try PostgresClient.Configuration(url: url), logger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await database.run() }
                _ = try? await database.query("SELECT 1", logger: logger)
                group.cancelAll()
            }
            let error = await #expect(throws: DatabaseError.self) { try await database.query("SELECT 1", logger: logger) }
            #expect(error?.code == .connection)
        }
    }

    // MARK: Numbers

    /// Every kind of `numeric` value, read as text too.
    struct Numerics: PreparedStatement {
        static let sql = "SELECT v::numeric AS n, v AS t FROM unnest($1::text[]) v"
        var values: [String]

        func bind(to binds: inout StatementBinds) throws { try binds.append(values) }

        func decodeRow(_ row: DatabaseRow) throws -> (Decimal, Decimal, String) {
            (try row.decimal(column: "n"), try row.decode(Decimal.self, column: "n"), try row.decode(String.self, column: "t"))
        }
    }

    @Test func numericsReadByArithmeticAreWhatPostgresNIOReads() async throws {
        var random = SystemRandomNumberGenerator()
        var values = [
            "0", "0.00", "-0.01", "12.50", "1299.99", "100", "1e15", "99999999999.99", "-99999999999.99", "0.0001", "1e-10",
            "1234567890123456", "12345678901234567", "123456789012345678901234567890.5", "5.000", "10000", "0.5",
        ]
        for _ in 0..<500 {
            let cents = Int64.random(in: -10_000_000_000_000...10_000_000_000_000, using: &random)
            values.append("\(cents / 100).\(String(format: "%02d", abs(cents % 100)))")
            values.append(
                String(Int.random(in: 0...1_000_000, using: &random)) + "."
                    + String(repeating: "0", count: Int.random(in: 0...6, using: &random)))
        }
        try await withItems(poolSize: 1) { database in
            let rows = try await database.execute(Numerics(values: values), logger: logger)
            #expect(rows.count == values.count)
            // 12.50 as Postgres sends it: 2 digits, weight 0, positive, scale 2, then 12 and 5000.
            var twelveFifty = ByteBuffer()
            for word: Int16 in [2, 0, 0, 2, 12, 5000] { twelveFifty.writeInteger(word) }
            #expect(NumericBinary.decimal(twelveFifty) == Decimal(string: "12.50"))
            // Cut short, or longer than its digit count says: not read (postgres-nio's path then).
            #expect(NumericBinary.decimal(twelveFifty.getSlice(at: 0, length: 10)!) == nil)
            #expect(NumericBinary.decimal(twelveFifty.getSlice(at: 0, length: 6)!) == nil)
            var longer = twelveFifty
            longer.writeInteger(Int16(1))
            #expect(NumericBinary.decimal(longer) == nil)
            for (fast, library, text) in rows {
                #expect(fast == library && fast.description == library.description, "\(text): \(fast) against \(library)")
            }
        }
    }

    /// The same amounts bound twice, by ``NumericBinary`` and by postgres-nio, read back as text.
    struct BoundNumerics: PreparedStatement {
        static let sql = "SELECT $1::numeric::text, $2::numeric::text"
        var value: Decimal

        func bind(to binds: inout StatementBinds) throws {
            try binds.append(value)
            try Self.byPostgresNIO(value, &binds)
        }

        /// Bound through the generic path, which is postgres-nio's encoding.
        static func byPostgresNIO<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value, _ binds: inout StatementBinds) throws {
            try binds.append(value)
        }

        func decodeRow(_ row: DatabaseRow) throws -> (String, String) { try row.decode((String, String).self) }
    }

    @Test func amountsBoundByArithmeticAreWhatPostgresNIOBinds() async throws {
        var random = SystemRandomNumberGenerator()
        var values = [
            "0", "0.00", "-0.01", "12.50", "1299.99", "100", "1e15", "99999999999.99", "-99999999999.99", "0.0001", "1e-10",
            "40", "4e1", "1234567890123456789", "18446744073709551615", "0.000000000000000001", "-5.000", "10000", "0.5",
            "123456789012345678901234567890.5", "1e30",
        ].map { Decimal(string: $0)! }
        values.append(Decimal(sign: .plus, exponent: 3, significand: 25))
        values.append(Decimal(4000) / 100)
        for _ in 0..<300 {
            let cents = Int64.random(in: -10_000_000_000_000...10_000_000_000_000, using: &random)
            values.append(Decimal(cents) / 100)
            values.append(Decimal(sign: .plus, exponent: Int.random(in: -20...20, using: &random), significand: Decimal(cents)))
        }
        try await withItems(poolSize: 1) { database in
            for value in values {
                let rows = try await database.execute(BoundNumerics(value: value), logger: logger)
                let (ours, theirs) = try #require(rows.first)
                // A zero keeps its places here ("0.00"); postgres-nio's text of it drops them.
                #expect(ours == theirs || value.isZero && ours == "0." + String(repeating: "0", count: -value.exponent), "\(value)")
            }
        }
        // Beyond what arithmetic writes: nothing written, postgres-nio's path then.
        var buffer = ByteBuffer()
        #expect(!NumericBinary.write(Decimal(string: "1e30")!, into: &buffer) && buffer.readableBytes == 0)
        #expect(!NumericBinary.write(Decimal.nan, into: &buffer) && buffer.readableBytes == 0)
        #expect(NumericBinary.write(Decimal(string: "-12.5")!, into: &buffer) && buffer.readableBytes > 0)
    }

    // MARK: Records in one column

    /// A parent's children as an array of records: `count` rows of a number, a text that is
    /// NULL for even numbers, a `numeric` and an `int4`, in number order.
    struct Children: PreparedStatement {
        static let sql = """
            SELECT ARRAY(SELECT row(g::int8, CASE WHEN g % 2 = 0 THEN NULL ELSE 'child ' || g END, g * 1.25, g::int4)
                         FROM generate_series(1, $1::int8) g ORDER BY g) AS children
            """
        var count: Int

        func bind(to binds: inout StatementBinds) throws { try binds.append(count) }

        func decodeRow(_ row: DatabaseRow) throws -> [Child] { try Child.all(in: row.records(at: 0)) }
    }

    /// One record of ``Children``.
    struct Child: Equatable {
        var number: Int
        var name: String?
        var amount: Decimal
        var small: Int

        static func all(in records: DatabaseRecords) throws -> [Child] {
            var records = records
            var children: [Child] = []
            while var record = try records.next() {
                children.append(
                    Child(
                        number: try record.next(Int.self), name: try record.next(String?.self), amount: try record.nextDecimal(),
                        small: try record.next(Int.self)))
            }
            return children
        }

        /// What ``Children`` should answer for `count`.
        static func expected(_ count: Int) -> [Child] {
            (0..<count).map { index in
                let number = index + 1
                return Child(
                    number: number, name: number % 2 == 0 ? nil : "child \(number)", amount: Decimal(number) * Decimal(string: "1.25")!,
                    small: number)
            }
        }
    }

    /// Empty, one, a few and many records, with NULL fields, from a prepared statement and an
    /// unprepared query.
    @Test func recordsInOneColumnAreReadFieldByField() async throws {
        try await withItems(poolSize: 1) { database in
            for count in [0, 1, 3, 40] {
                // Prepared (postgres-nio's row description says text; the cells are binary) and not.
                let prepared = try await database.execute(Children(count: count), logger: logger)
                #expect(prepared == [Child.expected(count)])
                let sql = Children.sql.replacingOccurrences(of: "$1::int8", with: "\(count)")
                let rows = try await database.query("\(unescaped: sql)", logger: logger)
                #expect(try rows.map { try Child.all(in: $0.records(at: 0)) } == [Child.expected(count)])
            }
        }
    }

    /// A record in a cell, holding a record, a NULL record and an array of records: what an order
    /// with its payment and lines is (``OrderRow``).
    @Test func recordsNestInARecord() async throws {
        try await withItems(poolSize: 1) { database in
            let rows = try await database.query(
                """
                SELECT row(7::int8, (SELECT row(8::int8, 'inner') WHERE \(true)), (SELECT row(9::int8) WHERE \(false)),
                           ARRAY(SELECT row(g::int8) FROM generate_series(1, 3) g ORDER BY g)) AS nested
                """, logger: logger)
            var outer = try #require(rows.first).record(at: 0)
            #expect(try outer.next(Int.self) == 7)
            var inner = try #require(try outer.nextRecord())
            #expect(try inner.next(Int.self) == 8)
            #expect(try inner.next(String.self) == "inner")
            #expect(try outer.nextRecord() == nil)
            var children = try outer.nextRecords()
            var numbers: [Int] = []
            while var child = try children.next() { numbers.append(try child.next(Int.self)) }
            #expect(numbers == [1, 2, 3])
            #expect(throws: DatabaseError.self) { try outer.next(Int.self) }
            // A NULL where a record or an array of them is wanted.
            let null = try await database.query("SELECT NULL::record AS nothing", logger: logger)
            #expect(throws: DatabaseError.self) { try #require(null.first).record(at: 0) }
        }
    }

    /// The fields a record reads in place (uuid, the text types, instants, integers, numeric) are
    /// the values postgres-nio reads from the same values in columns of their own, to the bit;
    /// a type it does not read in place (jsonb as text) still goes through postgres-nio; a NULL
    /// where a value is wanted, or a value of another type, is an error.
    @Test func fieldsReadInPlaceAreWhatPostgresNIOReads() async throws {
        try await withItems(poolSize: 1) { database in
            let rows = try await database.query(
                """
                SELECT row(u, t, v, n, c, nt, ts, tz, s, i, b, m, j), u, t, v, n, c, nt, ts, tz, s, i, b, m, j FROM (
                    SELECT gen_random_uuid() AS u, 'text ' || g || ' é😀' AS t, ('v' || g)::varchar AS v, ('n' || g)::name AS n,
                           ('c' || g % 10)::char(4) AS c, CASE WHEN g % 2 = 0 THEN NULL ELSE 'x' || g END AS nt,
                           '2000-01-01'::timestamp + (g - 100) * interval '1 day 1.234567 second' AS ts,
                           '2026-12-06 12:00:00+00'::timestamptz - g * interval '13 hours 0.000001 second' AS tz,
                           (g * 7 - 700)::int2 AS s, (g * 100003 - 5000000)::int4 AS i, g::int8 * 1000000000007 - 5 AS b,
                           (g * 13.37 - 500)::numeric(12,2) AS m, jsonb_build_object('g', g) AS j
                    FROM generate_series(1, 200) g) x
                """, logger: logger)
            #expect(rows.count == 200)
            for row in rows {
                var record = try row.record(at: 0)
                #expect(try record.next(UUID.self) == row.decode(UUID.self, at: 1))
                #expect(try record.next(String.self) == row.decode(String.self, at: 2))
                #expect(try record.next(String.self) == row.decode(String.self, at: 3))
                #expect(try record.next(String.self) == row.decode(String.self, at: 4))
                #expect(try record.next(String.self) == row.decode(String.self, at: 5))
                #expect(try record.next(String?.self) == row.decode(String?.self, at: 6))
                let timestamp = try record.next(Date.self)
                #expect(
                    timestamp.timeIntervalSinceReferenceDate.bitPattern
                        == (try row.decode(Date.self, at: 7)).timeIntervalSinceReferenceDate.bitPattern)
                let instant = try record.next(Date.self)
                #expect(
                    instant.timeIntervalSinceReferenceDate.bitPattern
                        == (try row.decode(Date.self, at: 8)).timeIntervalSinceReferenceDate.bitPattern)
                #expect(try record.next(Int.self) == row.decode(Int.self, at: 9))
                #expect(try record.next(Int.self) == row.decode(Int.self, at: 10))
                #expect(try record.next(Int.self) == row.decode(Int.self, at: 11))
                #expect(try record.nextDecimal() == row.decimal(at: 12))
                #expect(try record.next(String.self) == row.decode(String.self, at: 13))
            }
            // The wrong type, or NULL for a value: postgres-nio's error, as a database error.
            let odd = try await database.query("SELECT row(NULL::uuid, 5::int4, 'x'::text, NULL::timestamptz)", logger: logger)
            var record = try #require(odd.first).record(at: 0)
            #expect(throws: (any Error).self) { try record.next(UUID.self) }
            #expect(throws: (any Error).self) { try record.next(UUID.self) }
            #expect(throws: (any Error).self) { try record.next(Int.self) }
            #expect(throws: (any Error).self) { try record.next(Date.self) }
        }
    }

    /// Reading past a record's fields, an array cut short, one of two dimensions or the text
    /// form: an error, never a crash or a wrong value.
    @Test func aRecordReadPastItsFieldsOrACutArrayThrows() async throws {
        try await withItems(poolSize: 1) { database in
            let rows = try await database.query("SELECT ARRAY(SELECT row(1::int8)) AS one", logger: logger)
            var one = try #require(rows.first).records(at: 0)
            var record = try #require(try one.next())
            #expect(try record.next(Int.self) == 1)
            #expect(throws: DatabaseError.self) { try record.next(Int.self) }
            #expect(try one.next() == nil)
        }
        // An array cut short: one record announced, none there.
        var cut = ByteBuffer()
        for word: Int32 in [1, 0, 2249, 1, 1] { cut.writeInteger(word) }
        let cell = PostgresCell(bytes: cut, dataType: .recordArray, format: .binary, columnName: "cut", columnIndex: 0)
        #expect(throws: DatabaseError.self) { try DatabaseRecords(cell) }
        // A record's length running past the array's end.
        var past = ByteBuffer()
        for word: Int32 in [1, 0, 2249, 1, 1, 8, 1] { past.writeInteger(word) }
        var records = try DatabaseRecords(
            PostgresCell(bytes: past, dataType: .recordArray, format: .binary, columnName: "past", columnIndex: 0))
        #expect(throws: DatabaseError.self) { try records.next() }
        // Two dimensions, and the text form, are refused.
        var square = ByteBuffer()
        for word: Int32 in [2, 0, 2249, 1, 1, 1, 1] { square.writeInteger(word) }
        #expect(throws: DatabaseError.self) {
            try DatabaseRecords(PostgresCell(bytes: square, dataType: .recordArray, format: .binary, columnName: "s", columnIndex: 0))
        }
        #expect(throws: DatabaseError.self) {
            try DatabaseRecords(
                PostgresCell(bytes: ByteBuffer(string: "{}"), dataType: .recordArray, format: .text, columnName: "t", columnIndex: 0))
        }
    }
}
