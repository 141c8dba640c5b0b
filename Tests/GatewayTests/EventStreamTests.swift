import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Postgres
import PostgresNIO
import Redis
import Store
import TestSupport
import Testing

@testable import Gateway

// Five minutes: the stalled-client test pushes some 2,500 edits through a debug gateway, which
// beside the rest of `make test` on two cores has taken three.
/// `GET /api/events/stream` against a live gateway on the real stores: what each caller sees, in
/// which order, and what survives a disconnect, a stalled relay and a lost Redis Stream.
@Suite("Live events", .timeLimit(.minutes(5)))
struct EventStreamTests {
    // MARK: Helpers

    /// A gateway with a short heartbeat (the revocation check) and generous limits.
    func makeApp(_ overrides: [String: String] = [:]) async throws -> some ApplicationProtocol {
        try await makeAccountsGateway(["EVENTS_HEARTBEAT_SECONDS": "1"].merging(overrides) { _, new in new })
    }

    /// Opens a stream and waits for its status; a gateway whose reader is still starting (503)
    /// is asked again.
    func open(
        _ port: Int, token: String, query: String = "", lastEventID: String? = nil, reading: Bool = true
    ) async throws -> (client: EventStreamClient, status: Int) {
        var headers = ["Authorization": "Bearer \(token)"]
        if let lastEventID { headers["Last-Event-ID"] = lastEventID }
        for _ in 0..<50 {
            let client = try await EventStreamClient.open(
                port: port, path: "/api/events/stream" + query, headers: headers, reading: reading)
            if !reading { return (client, 0) }
            let items = await client.wait(timeout: .seconds(5)) { $0.contains { if case .status = $0 { true } else { false } } }
            guard case .status(let status)? = items.first else {
                Issue.record("no status line")
                return (client, 0)
            }
            if status != 503 { return (client, status) }
            await client.close()
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the stream answered 503 for 5 s")
        throw CancellationError()
    }

    func product() async throws -> String {
        let sku = uniqueName("EVT").uppercased()
        try await TestStores.withDatabase(url: try await TestStores.migrated()) { postgres in
            _ = try await PostgresProductRepository(database: postgres).create(
                Product(id: UUIDv7.make(), sku: sku, name: "Item \(sku)", category: "Test", price: 5, stock: 1_000_000),
                logger: TestStores.logger
            )
        }
        return sku
    }

    /// Places an order of one `sku` and returns its id.
    func place(_ client: some TestClientProtocol, token: String, sku: String) async throws -> String {
        let body =
            #"{"customer_name":"Ann","customer_email":"ann@example.com","shipping_address":"1 Main St","items":[{"product_sku":"\#(sku)","quantity":1}]}"#
        let response = try await client.send(.post, "/api/orders", token: token, json: body)
        #expect(response.status == .created)
        return try #require(response.json?["id"] as? String)
    }

    /// Runs `body` against a live gateway as a new customer, signed in, with a product of its own.
    func asNewCustomer(
        _ body: @Sendable (_ client: any TestClientProtocol, _ port: Int, _ token: String, _ sku: String) async throws -> Void
    ) async throws {
        let ann = try await createAccount(role: .customer)
        let sku = try await product()
        let app = try await makeApp()
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await client.login(ann.username).access
            try await body(client, port, token, sku)
        }
    }

    /// Places `count` orders of `sku` while a stream of the customer's is open, and returns them
    /// with their events as it received them (the stream then closed): where a resume starts.
    func placeWhileWatching(
        _ count: Int, client: some TestClientProtocol, port: Int, token: String, sku: String
    ) async throws -> (orders: [String], seen: [(id: Int64, name: String, data: [String: Any])]) {
        let live = try await open(port, token: token)
        var orders: [String] = []
        for _ in 0..<count { orders.append(try await place(client, token: token, sku: sku)) }
        let seen = await events(live.client, of: Set(orders), count: count)
        try #require(seen.count == count)
        await live.client.close()
        return (orders, seen)
    }

    func json(_ data: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }

    /// The events of `orders` only (other tests share the stores and their events).
    func events(
        _ client: EventStreamClient, of orders: Set<String>, count: Int, timeout: Duration = .seconds(20)
    ) async -> [(id: Int64, name: String, data: [String: Any])] {
        let mine = { (items: [EventStreamClient.Item]) in
            EventStreamClient.events(items).map { ($0.id.flatMap { Int64($0) } ?? -1, $0.name, json($0.data)) }
                .filter { orders.contains($0.2["order_id"] as? String ?? "") }
        }
        return mine(await client.wait(timeout: timeout) { mine($0).count >= count })
    }

    func scalar(_ query: PostgresQuery) async throws -> Int {
        try await TestStores.withDatabase(url: TestStores.databaseURL) { try await $0.scalar(query) ?? 0 }
    }

    func redis(_ command: RedisCommand) async throws -> RESPValue {
        let configuration = try GatewayConfiguration(settings: TestStores.settings())
        return try await RedisConnection.connect(configuration.platform.redis, eventLoopGroup: .singletonMultiThreadedEventLoopGroup)
            .send(command)
    }

    // MARK: Who sees what

    @Test func aCustomerNeverReceivesAnotherCustomersEvents() async throws {
        let (ann, bob, vendor) = (
            try await createAccount(role: .customer), try await createAccount(role: .customer), try await createAccount(role: .vendor)
        )
        let sku = try await product()
        let app = try await makeApp()
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (annToken, bobToken, vendorToken) = (
                try await client.login(ann.username).access, try await client.login(bob.username).access,
                try await client.login(vendor.username).access
            )
            let annStream = try await open(port, token: annToken)
            let bobStream = try await open(port, token: bobToken)
            let staffStream = try await open(port, token: vendorToken)
            #expect([annStream.status, bobStream.status, staffStream.status] == [Int](repeating: 200, count: 3))

            // Interleaved: Ann, Bob, Ann; then the vendor moves Bob's and Ann cancels hers.
            let a1 = try await place(client, token: annToken, sku: sku)
            let b1 = try await place(client, token: bobToken, sku: sku)
            let a2 = try await place(client, token: annToken, sku: sku)
            let moved = try await client.send(.put, "/api/orders/\(b1)/status", token: vendorToken, json: #"{"status":"processing"}"#)
            #expect(moved.status == .ok)
            let cancelled = try await client.send(
                .post, "/api/orders/\(a1)/cancel", token: annToken, json: #"{"reason":"changed my mind"}"#)
            #expect(cancelled.status == .ok)

            let all: Set = [a1, b1, a2]
            let staff = await events(staffStream.client, of: all, count: 5)
            #expect(staff.map(\.name) == ["order.created", "order.created", "order.created", "order.status_changed", "order.cancelled"])
            #expect(staff.map { $0.data["order_id"] as? String } == [a1, b1, a2, b1, a1])

            let annSees = await events(annStream.client, of: all, count: 3)
            let bobSees = await events(bobStream.client, of: all, count: 2)
            #expect(annSees.map { $0.data["order_id"] as? String } == [a1, a2, a1])
            #expect(bobSees.map { $0.data["order_id"] as? String } == [b1, b1])
            // Nothing of anyone else's, whatever else the shared stores carried meanwhile.
            let annItems = EventStreamClient.events(await annStream.client.wait(timeout: .milliseconds(300)))
            let annUser = ann.id.uuidString.lowercased()
            #expect(annItems.allSatisfy { (json($0.data)["order"] as? [String: Any])?["user_id"] as? String == annUser })
            let bobItems = EventStreamClient.events(await bobStream.client.wait(timeout: .milliseconds(10)))
            #expect(!bobItems.contains { ($0.data).contains(a1) || ($0.data).contains(a2) })
            for stream in [annStream, bobStream, staffStream] { await stream.client.close() }
        }
    }

    /// Every change of a scripted sequence arrives once, in order, with its payload.
    @Test func aScriptedSequenceArrivesOnceInOrder() async throws {
        let (ann, vendor) = (try await createAccount(role: .customer), try await createAccount(role: .vendor))
        let sku = try await product()
        let app = try await makeApp()
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let annToken = try await client.login(ann.username).access
            let vendorToken = try await client.login(vendor.username).access
            let stream = try await open(port, token: annToken)
            let other = try await product()
            let body =
                #"{"customer_name":"Ann","customer_email":"ann@example.com","shipping_address":"1 Main St","items":[{"product_sku":"\#(sku)","quantity":2},{"product_sku":"\#(other)","quantity":1}]}"#
            let placed = try await client.send(.post, "/api/orders", token: annToken, json: body)
            #expect(placed.status == .created)
            let id = try #require(placed.json?["id"] as? String)
            let edit = #"{"shipping_address":"2 High St"}"#
            #expect(try await client.send(.put, "/api/orders/\(id)", token: annToken, json: edit).status == .ok)
            for (status, extra) in [("processing", ""), ("shipped", #","tracking_number":"TRK1""#), ("delivered", "")] {
                let response = try await client.send(
                    .put, "/api/orders/\(id)/status", token: vendorToken, json: #"{"status":"\#(status)"\#(extra)}"#)
                #expect(response.status == .ok, "\(status)")
            }
            let seen = await events(stream.client, of: [id], count: 5)
            try #require(seen.count == 5)
            #expect(
                seen.map(\.name) == [
                    "order.created", "order.updated", "order.status_changed", "order.status_changed", "order.status_changed",
                ])
            #expect(seen.map { $0.data["type"] as? String } == seen.map(\.name))
            #expect(seen.map { $0.data["to_status"] as? String } == ["pending", "pending", "processing", "shipped", "delivered"])
            #expect(seen.map { $0.data["from_status"] as? String } == [nil, "pending", "pending", "processing", "shipped"])
            #expect(seen.map { $0.data["id"] as? String } == seen.map { String($0.id) })
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.id < $1.id })
            let annActor = seen[1].data["actor"] as? [String: Any]
            #expect(annActor?["id"] as? String == ann.id.uuidString.lowercased() && annActor?["role"] as? String == "customer")
            #expect((seen[2].data["actor"] as? [String: Any])?["role"] as? String == "vendor")
            // The order as it stood: the edit's address, the shipment's tracking number.
            let states = seen.map { $0.data["order"] as? [String: Any] ?? [:] }
            #expect(states[1]["shipping_address"] as? String == "2 High St")
            #expect(states[3]["tracking_number"] as? String == "TRK1")
            #expect(states.map { $0["status"] as? String } == ["pending", "pending", "processing", "shipped", "delivered"])
            // Every event carries the order's two lines, in SKU order, however the relay batched them.
            let lines = states.map { ($0["items"] as? [[String: Any]] ?? []).map { "\($0["product_sku"] ?? "")×\($0["quantity"] ?? "")" } }
            #expect(lines == Array(repeating: ["\(sku)×2", "\(other)×1"].sorted(), count: 5))
            // The audit trail is still transitions only.
            let trail = try await client.send(.get, "/api/orders/\(id)/events", token: annToken)
            #expect((try? JSONSerialization.jsonObject(with: Data(buffer: trail.body)) as? [Any])?.count == 4)
            await stream.client.close()
        }
    }

    // MARK: Resume

    @Test func resumingWithLastEventIDHasNoGapAndNoDuplicate() async throws {
        try await asNewCustomer { client, port, token, sku in
            var (orders, before) = try await placeWhileWatching(3, client: client, port: port, token: token, sku: sku)

            // Away: three more orders and an edit; back with the last id seen.
            for _ in 0..<3 { orders.append(try await place(client, token: token, sku: sku)) }
            #expect(try await client.send(.put, "/api/orders/\(orders[0])", token: token, json: #"{"notes":"ring"}"#).status == .ok)
            let resumed = try await open(port, token: token, lastEventID: String(before[2].id))
            let after = await events(resumed.client, of: Set(orders), count: 4)
            #expect(after.map { $0.data["order_id"] as? String } == Array(orders[3...]) + [orders[0]])
            #expect(after.map(\.name) == ["order.created", "order.created", "order.created", "order.updated"])
            #expect(after.allSatisfy { $0.id > before[2].id })
            await resumed.client.close()

            // From the very start, through the query parameter: all seven, once each, in order.
            let whole = try await open(port, token: token, query: "?last_event_id=\(before[0].id - 1)")
            let everything = await events(whole.client, of: Set(orders), count: 7)
            #expect(everything.map(\.id) == (before + after).map(\.id))
            await whole.client.close()
        }
    }

    /// A stream lacking an event between two it holds (two relays overlapped: the later append
    /// of the earlier events was refused) is no gap for a resume: the missing one comes from
    /// Postgres, in its place.
    @Test func aResumeOverAHoleInTheStreamMissesNothing() async throws {
        try await asNewCustomer { client, port, token, sku in
            let (orders, seen) = try await placeWhileWatching(3, client: client, port: port, token: token, sku: sku)
            // The stream as it would be after the overlap: everything up to the third event but
            // the second (as the relay writes them, from Postgres: a parallel test may have
            // emptied the stream), written in one script so that no relay appends in between.
            let logged = try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
                try await OrderEventLog(database: postgres).events(
                    after: seen[0].id - 1, through: seen[2].id, customer: nil, order: nil, limit: 1_000, logger: TestStores.logger)
            }
            let kept = try logged.filter { $0.position != seen[1].id }.map {
                ["\($0.position)-0", String(decoding: try JSONEncoder().encode($0), as: UTF8.self)]
            }
            try #require(kept.count == logged.count - 1 && logged.count >= 3, "Postgres holds the three events")
            let rewrite = """
                redis.call('DEL', KEYS[1])
                for i = 1, #ARGV, 2 do redis.call('XADD', KEYS[1], ARGV[i], 'e', ARGV[i + 1]) end
                return 1
                """
            _ = try await redis(RedisCommand("EVAL", [rewrite, 1, "events:orders"] + kept.flatMap { $0 } as [any RESPArgument]))
            let resumed = try await open(port, token: token, lastEventID: String(seen[0].id - 1))
            let again = await events(resumed.client, of: Set(orders), count: 3)
            #expect(again.map(\.id) == seen.map(\.id))
            await resumed.client.close()
        }
    }

    /// An id older than what the Redis Stream still holds is served from Postgres.
    @Test func aResumeFromBeforeTheStreamIsServedFromPostgres() async throws {
        try await asNewCustomer { client, port, token, sku in
            let (orders, seen) = try await placeWhileWatching(4, client: client, port: port, token: token, sku: sku)
            // As if trimmed by MAXLEN: the stream forgets everything up to the last of them. One
            // script trims and looks, so that neither a relay nor a parallel test (the hole test
            // above rewrites the stream with older entries of its own) writes in between.
            let trim = """
                redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
                local left = 0
                for i = 2, #ARGV do left = left + #redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i]) end
                return left
                """
            let left = try await redis(
                RedisCommand("EVAL", [trim, 1, "events:orders", "\(seen[3].id + 1)-0"] + seen.map { "\($0.id)-0" } as [any RESPArgument]))
            #expect(left.int == 0, "the stream no longer holds the events to resume")

            let resumed = try await open(port, token: token, lastEventID: String(seen[0].id))
            let replay = await events(resumed.client, of: Set(orders), count: 3)
            #expect(replay.map(\.id) == Array(seen[1...].map(\.id)))
            #expect(replay.map { $0.data["order_id"] as? String } == Array(orders[1...]))
            await resumed.client.close()
        }
    }

    // MARK: Faults

    /// Events committed while no relay could publish (its lock held, as by a relay that died
    /// mid-batch) reach the open stream once publication resumes; after the Redis Stream is
    /// lost, a resume misses nothing and new events still flow.
    @Test func blockedPublicationAndALostStreamLoseNothing() async throws {
        try await asNewCustomer { client, port, token, sku in
            let stream = try await open(port, token: token)
            var orders: [String] = []
            try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
                try await postgres.withConnection { connection in
                    _ = try await connection.query("SELECT pg_advisory_lock(\(OrderEventLog.positionLock))", logger: TestStores.logger)
                    for _ in 0..<2 { orders.append(try await place(client, token: token, sku: sku)) }
                    let waiting = await events(stream.client, of: Set(orders), count: 1, timeout: .seconds(2))
                    #expect(waiting.isEmpty, "nothing is published while positions cannot be given")
                    _ = try await connection.query("SELECT pg_advisory_unlock(\(OrderEventLog.positionLock))", logger: TestStores.logger)
                }
            }
            let published = await events(stream.client, of: Set(orders), count: 2)
            try #require(published.map { $0.data["order_id"] as? String } == orders)

            // Redis loses the stream: the relay refills it from Postgres, the open stream goes on.
            _ = try await redis(RedisCommand("DEL", "events:orders"))
            orders.append(try await place(client, token: token, sku: sku))
            let goesOn = await events(stream.client, of: Set(orders), count: 3)
            try #require(goesOn.map { $0.data["order_id"] as? String } == orders)
            await stream.client.close()
            _ = try await redis(RedisCommand("DEL", "events:orders"))
            let resumed = try await open(port, token: token, lastEventID: String(published[0].id))
            let rest = await events(resumed.client, of: Set(orders), count: 2)
            #expect(rest.map(\.id) == Array(goesOn[1...].map(\.id)))
            await resumed.client.close()
        }
    }

    // MARK: Ending streams

    @Test func revocationEndsAnOpenStreamWithinAHeartbeat() async throws {
        let ann = try await createAccount(role: .customer)
        let app = try await makeApp()
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (access, refresh) = try await client.login(ann.username)
            let stream = try await open(port, token: access)
            // A heartbeat comes while the session lives.
            let beats = await stream.client.wait(timeout: .seconds(5)) { $0.contains(.comment("keep-alive")) }
            #expect(beats.contains(.comment("keep-alive")))
            #expect(
                try await client.post(
                    "/api/auth/logout", json: #"{"refresh_token":"\#(refresh)"}"#, headers: [.authorization: "Bearer \(access)"]
                ).status.code < 300)
            let items = await stream.client.wait(timeout: .seconds(5)) { _ in false }
            let end = EventStreamClient.events(items).last
            #expect(end?.name == "stream.end")
            #expect(json(end?.data ?? "")["reason"] as? String == "revoked")
            #expect(stream.client.ended)
        }
    }

    /// A client that reads nothing while events flow is disconnected; the gateway keeps nothing of it.
    @Test func aClientThatReadsNothingIsDisconnected() async throws {
        let (vendor, ann) = (try await createAccount(role: .vendor), try await createAccount(role: .customer))
        let sku = try await product()
        let app = try await makeApp(["EVENTS_CLIENT_BUFFER": "4"])
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let vendorToken = try await client.login(vendor.username).access
            let annToken = try await client.login(ann.username).access
            let stalled = try await open(port, token: vendorToken, reading: false).client
            var placed: [String] = []
            for _ in 0..<4 { placed.append(try await place(client, token: annToken, sku: sku)) }
            let ids = placed
            // Edits with long notes, about 2 KB an event, more than the kernel's largest send buffer
            // holds (the stalled client's receive buffer is tiny), so the gateway's writer blocks and
            // the stream's 4-event buffer fills.
            let sendBufferMax =
                (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8))?
                .split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 4_194_304
            let edits = sendBufferMax / 2_000 + 400
            let notes = String(repeating: "n", count: 1_900)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids {
                    group.addTask {
                        for edit in 0..<(edits / ids.count) {
                            let body = #"{"notes":"\#(notes)\#(edit)"}"#
                            let response = try await client.send(.put, "/api/orders/\(id)", token: vendorToken, json: body)
                            if response.status != .ok { Issue.record("edit \(edit) gave \(response.status)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            // After the grace for a writer that cannot finish, the gateway has closed the
            // connection: reading now drains what the kernel held, then the end.
            try await Task.sleep(for: .seconds(3))
            stalled.startReading()
            let items = await stalled.wait(timeout: .seconds(10)) { _ in false }
            #expect(stalled.ended, "the stalled stream was ended")
            let delivered = EventStreamClient.events(items).filter { event in ids.contains { event.data.contains($0) } }.count
            #expect(delivered < edits, "the stalled client got \(delivered) of \(edits + ids.count) events before it was cut off")
            // Its owner can open another at once: the slot and the subscriber went with it.
            let fresh = try await open(port, token: vendorToken)
            #expect(fresh.status == 200)
            await fresh.client.close()
        }
    }

    // MARK: Refusals

    @Test func refusalsAreProblems() async throws {
        let (ann, bob) = (try await createAccount(role: .customer), try await createAccount(role: .customer))
        let sku = try await product()
        // A long heartbeat: a closed stream's slot must come back when its client goes, not at a beat.
        let app = try await makeApp(["EVENTS_STREAMS_PER_USER": "2", "EVENTS_HEARTBEAT_SECONDS": "60"])
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let annToken = try await client.login(ann.username).access
            let bobToken = try await client.login(bob.username).access
            let bobsOrder = try await place(client, token: bobToken, sku: sku)
            #expect(try await client.send(.get, "/api/events/stream").status == .unauthorized)
            #expect(try await open(port, token: annToken, lastEventID: "nine").status == 400)
            #expect(try await open(port, token: annToken, query: "?order_id=nope").status == 400)
            #expect(try await open(port, token: annToken, query: "?order_id=\(bobsOrder)").status == 404)
            let one = try await open(port, token: annToken)
            let two = try await open(port, token: annToken)
            let three = try await open(port, token: annToken)
            #expect([one.status, two.status, three.status] == [Int]([200, 200, 429]))
            await one.client.close()
            // A closed stream gives its slot back at once.
            var reopened = 0
            for _ in 0..<20 where reopened != 200 {
                try await Task.sleep(for: .milliseconds(100))
                let again = try await open(port, token: annToken)
                reopened = again.status
                if reopened == 200 { await again.client.close() }
            }
            #expect(reopened == 200)
            await two.client.close()
            // Bob's own order's stream carries Bob's order only.
            let narrowed = try await open(port, token: bobToken, query: "?order_id=\(bobsOrder)")
            #expect(narrowed.status == 200)
            await narrowed.client.close()
        }
    }
}
