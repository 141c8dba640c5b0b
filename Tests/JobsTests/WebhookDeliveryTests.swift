import Foundation
import Logging
import NIOCore
import Postgres
import ProcessSupport
import Redis
import Store
import Synchronization
import TestSupport
import Testing

@testable import Jobs

/// Webhooks delivered by real workers to a real receiver on loopback (`Tests/Peers/
/// webhook_receiver.py`), which verifies every signature with the `standardwebhooks` package:
/// retries on the schedule, dead letters and their retry, 410, and the network guard at
/// delivery time. Postgres and Redis are each test's own.
@Suite("Webhook deliveries", .timeLimit(.minutes(3)))
struct WebhookDeliveryTests {
    let logger = TestStores.logger

    // MARK: Helpers

    /// What a test works with: the stores, the operations an admin calls, a running worker.
    struct Rig: Sendable {
        let database: Database
        let redis: RedisClient
        let webhooks: WebhookOperations
        let ledger: DeliveryLedger
        let admin: Actor
        let databaseURL: String
        let redisURL: String
    }

    /// A migrated database, a private Redis and a worker delivering webhooks (on `schedule`,
    /// through `resolver` checked by a guard that allows private networks unless `guarded`),
    /// with the dispatcher beside it, for `body`.
    func withWorker(
        schedule: [Duration] = [.zero, .milliseconds(300), .milliseconds(300)], guarded: Bool = false,
        resolver: any HostResolver = SystemHostResolver(), inProcess: Bool = true, _ body: (Rig) async throws -> Void
    ) async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            let (database, redis) = (stores.database, stores.redis)
            let ledger = DeliveryLedger(database: database)
            let network = NetworkAddressGuard(allowPrivateNetworks: !guarded, resolver: resolver)
            let clients = PinnedHTTPClients()
            let handler = WebhookJobs(
                policy: WebhookJobs.policy(concurrency: 8, schedule: schedule, lease: .seconds(10)), ledger: ledger,
                endpoints: WebhookEndpointStore(database: database), events: OrderEventLog(database: database), network: network,
                clients: clients, time: DisplayTime(timeZone: TimeZone(identifier: "UTC")!),
                reconciler: DeliveryReconciler(ledger: ledger, queue: JobQueue(redis: redis, kind: .webhook), redis: redis))
            let worker = JobWorker(options: .init(reconcileInterval: .seconds(3600)), redis: redis, handlers: [handler], logger: logger)
            let dispatch = DeliveryDispatchLoop(
                dispatcher: DeliveryDispatcher(ledger: ledger, redis: redis, email: false), owner: worker.id,
                interval: .milliseconds(50), logger: logger)
            let webhooks = WebhookOperations(
                endpoints: WebhookEndpointStore(database: database), ledger: ledger, redis: redis, network: network,
                secretGrace: .seconds(60))
            let rig = Rig(
                database: database, redis: redis, webhooks: webhooks, ledger: ledger, admin: Actor(id: UUIDv7.make(), role: .admin),
                databaseURL: stores.databaseURL, redisURL: stores.redisURL)
            // The HTTP clients close after the worker's last delivery.
            do {
                try await stores.running(inProcess ? [worker, dispatch] : []) { try await body(rig) }
            } catch {
                await clients.shutdown()
                throw error
            }
            await clients.shutdown()
        }
    }

    @discardableResult
    func placeOrder(_ database: Database, moves: [OrderStatus] = []) async throws -> UUID {
        try await JobsTestSupport.placeOrder(database, moves: moves, logger: logger)
    }

    func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        try await JobsTestSupport.eventually(within: limit, condition)
    }

    func deliveries(_ rig: Rig, endpoint: UUID) async throws -> [Delivery] {
        try await rig.webhooks.deliveries(endpoint, page: 1, size: 100, by: rig.admin, logger: logger).items
    }

    // MARK: Tests

    /// 500 twice, then 200: delivered once after two retries, every attempt signed alike.
    @Test func aFlakyReceiverGetsTheEventAfterTwoRetries() async throws {
        try await WebhookReceiver.with { receiver in
            try await withWorker { rig in
                let (endpoint, secret) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: receiver.url(), eventTypes: ["order.created"]), by: rig.admin, logger: logger)
                try await receiver.script(secrets: [secret.text], answers: [500, 500])
                let order = try await placeOrder(rig.database)
                #expect(try await eventually { try await deliveries(rig, endpoint: endpoint.id).first?.state == .delivered })
                let received = try await receiver.received()
                #expect(received.map(\.answered) == [500, 500, 200])
                let failures = received.compactMap(\.error)
                #expect(received.allSatisfy { $0.verified }, "\(failures)")
                #expect(Set(received.compactMap(\.id)).count == 1, "one webhook-id for every attempt")
                #expect(received.allSatisfy { $0.type == "order.created" })
                let delivery = try #require(try await deliveries(rig, endpoint: endpoint.id).first)
                #expect(delivery.attempts == 3 && delivery.responseStatus == 200 && delivery.orderID == order)
                #expect(received.first?.eventID == String(delivery.eventPosition), "data is the live stream's event")
            }
        }
    }

    /// A receiver that always fails: the delivery ends dead after the schedule's attempts; once
    /// the receiver recovers, an admin's retry delivers it.
    @Test func aDeadDeliveryIsDeliveredByARetryOnceTheReceiverRecovers() async throws {
        try await WebhookReceiver.with { receiver in
            try await withWorker { rig in
                let (endpoint, secret) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: receiver.url(), eventTypes: ["order.created"]), by: rig.admin, logger: logger)
                try await receiver.script(secrets: [secret.text], then: 503)
                try await placeOrder(rig.database)
                #expect(try await eventually { try await deliveries(rig, endpoint: endpoint.id).first?.state == .dead })
                let dead = try #require(try await deliveries(rig, endpoint: endpoint.id).first)
                #expect(dead.attempts == 3 && dead.lastError == "the endpoint answered 503")
                // The ledger records the death before the job is settled dead in Redis: wait for both.
                #expect(try await eventually { try await JobQueue(redis: rig.redis, kind: .webhook).depth(logger: logger).dead == 1 })
                await #expect(throws: StoreError.self) { _ = try await rig.webhooks.retryDelivery(UUID(), by: rig.admin, logger: logger) }

                try await receiver.script(secrets: [secret.text], then: 200)
                _ = try await rig.webhooks.retryDelivery(dead.id, by: rig.admin, logger: logger)
                #expect(try await eventually { try await deliveries(rig, endpoint: endpoint.id).first?.state == .delivered })
                #expect(try await receiver.received().map(\.answered) == [503, 503, 503, 200])
                await #expect(throws: StoreError.self, "a delivered delivery is not retried") {
                    _ = try await rig.webhooks.retryDelivery(dead.id, by: rig.admin, logger: logger)
                }
            }
        }
    }

    /// 410 Gone: the endpoint is turned off and the delivery is dead at once.
    @Test func goneDisablesTheEndpoint() async throws {
        try await WebhookReceiver.with { receiver in
            try await withWorker { rig in
                let (endpoint, secret) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: receiver.url(), eventTypes: ["order.created", "order.status_changed"]), by: rig.admin,
                    logger: logger)
                try await receiver.script(secrets: [secret.text], then: 410)
                try await placeOrder(rig.database)
                #expect(try await eventually { try await deliveries(rig, endpoint: endpoint.id).first?.state == .dead })
                #expect(try await rig.webhooks.endpoint(endpoint.id, by: rig.admin, logger: logger).active == false)
                #expect(try await receiver.received().count == 1, "no retry after 410")
            }
        }
    }

    /// One order's events reach one endpoint in their order, each once, signed by both secrets
    /// while a rotation's grace lasts.
    @Test func oneOrdersEventsArriveInOrderAndRotationSignsTwice() async throws {
        try await WebhookReceiver.with { receiver in
            try await withWorker { rig in
                let (endpoint, old) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: receiver.url(), eventTypes: ["order.created", "order.status_changed"]), by: rig.admin,
                    logger: logger)
                let (_, new) = try await rig.webhooks.rotateSecret(endpoint.id, by: rig.admin, logger: logger)
                // Only the old secret verifies: the receiver accepts because the old one still signs.
                try await receiver.script(secrets: [old.text], answers: [500])
                try await placeOrder(rig.database, moves: [.processing, .shipped, .delivered])
                #expect(
                    try await eventually { try await deliveries(rig, endpoint: endpoint.id).filter { $0.state == .delivered }.count == 4 })
                let received = try await receiver.received().filter { $0.answered == 200 }
                #expect(received.map(\.type) == ["order.created", "order.status_changed", "order.status_changed", "order.status_changed"])
                let positions = received.compactMap { $0.eventID.flatMap { Int($0) } }
                #expect(positions == positions.sorted() && Set(positions).count == 4, "in event order, each once")
                #expect(received.allSatisfy { $0.verified })
                #expect(received.allSatisfy { $0.signatures?.split(separator: " ").count == 2 }, "both secrets sign during the grace")
                #expect(new != old)
            }
        }
    }

    /// A name that resolved to a public address when the endpoint was saved and resolves to
    /// loopback when it is delivered: refused at delivery, and the receiver sees nothing.
    @Test func aNameThatRebindsToLoopbackIsRefusedAtDelivery() async throws {
        try await WebhookReceiver.with { receiver in
            let resolver = ScriptedResolver(["hooks.example.test": "93.184.216.34"])
            try await withWorker(schedule: [.zero], guarded: true, resolver: resolver) { rig in
                let url = "https://hooks.example.test:\(receiver.port)/hooks"
                let (endpoint, _) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: url, eventTypes: ["order.created"]), by: rig.admin, logger: logger)
                resolver.set("hooks.example.test", "127.0.0.1")
                await #expect(throws: InvalidInput.self, "saving it now is refused") {
                    _ = try await rig.webhooks.update(endpoint.id, WebhookEndpointInput(url: url + "2"), by: rig.admin, logger: logger)
                }
                try await placeOrder(rig.database)
                #expect(try await eventually { try await deliveries(rig, endpoint: endpoint.id).first?.state == .dead })
                let delivery = try #require(try await deliveries(rig, endpoint: endpoint.id).first)
                #expect(delivery.lastError == "refused: the host resolves to a loopback address")
                #expect(try await receiver.received().isEmpty)
            }
        }
    }
}

extension WebhookDeliveryTests {
    // MARK: Crashes and data loss

    /// Redis loses everything while deliveries are owed (failing, scheduled for a retry): the
    /// reconciler rebuilds the queue from the ledger, and every event is delivered.
    @Test func everyEventIsDeliveredAfterRedisLosesItsData() async throws {
        try await WebhookReceiver.with { receiver in
            try await withWorker(schedule: [.zero, .seconds(1), .seconds(1), .seconds(1), .seconds(1), .seconds(1)]) { rig in
                let (endpoint, secret) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: receiver.url(), eventTypes: ["order.created"]), by: rig.admin, logger: logger)
                try await receiver.script(secrets: [secret.text], then: 503)
                for _ in 0..<20 { try await placeOrder(rig.database) }
                #expect(
                    try await eventually { try await deliveries(rig, endpoint: endpoint.id).filter { $0.state == .failed }.count == 20 })
                try await rig.redis.send(RedisCommand("FLUSHALL"), logger: logger)
                try await receiver.script(secrets: [secret.text], then: 200)
                #expect(try await eventually { try await deliveries(rig, endpoint: endpoint.id).allSatisfy { $0.state == .delivered } })
                let delivered = try await receiver.received().filter { $0.answered == 200 }
                #expect(Set(delivered.compactMap(\.id)).count == 20, "every event delivered")
                #expect(delivered.allSatisfy { $0.verified })
                // At least once: a repeat is possible (a delivery in flight when Redis was flushed), and said.
                print("webhooks after FLUSHALL: \(delivered.count) deliveries answered 200 for 20 events")
            }
        }
    }

    /// A worker process SIGKILLed while its deliveries wait on the receiver: another worker
    /// process delivers every event once the dead one's leases run out.
    @Test func aWorkerKilledMidDeliveryLosesNothing() async throws {
        try await WebhookReceiver.with { receiver in
            try await withWorker(inProcess: false) { rig in
                let (endpoint, secret) = try await rig.webhooks.create(
                    WebhookEndpointInput(url: receiver.url(), eventTypes: ["order.created"]), by: rig.admin, logger: logger)
                // Slow answers: the first worker is killed while it waits on them.
                try await receiver.script(secrets: [secret.text], then: 200, delay: 3)
                for _ in 0..<10 { try await placeOrder(rig.database) }
                let first = try startWorkerProcess(rig)
                #expect(try await eventually(within: .seconds(20)) { try await !receiver.received().isEmpty }, "the first worker delivers")
                kill(first.pid, SIGKILL)
                await ChildProcess.wait(first.pid)
                TestChildren.forget(process: first.pid)
                try await receiver.script(secrets: [secret.text], then: 200, delay: 0)
                let second = try startWorkerProcess(rig)
                #expect(
                    try await eventually(within: .seconds(40)) {
                        let all = try await deliveries(rig, endpoint: endpoint.id)
                        return all.count == 10 && all.allSatisfy { $0.state == .delivered }
                    })
                let received = try await receiver.received()
                #expect(Set(received.compactMap(\.id)).count == 10, "every event delivered")
                #expect(received.allSatisfy { $0.verified })
                print("webhooks after SIGKILL: \(received.count) requests for 10 events (\(received.count - 10) repeated by webhook-id)")
                kill(second.pid, SIGTERM)
                #expect(await ChildProcess.status(of: second.pid, within: .seconds(10)) == 0, "the survivor drains and stops on SIGTERM")
                TestChildren.forget(process: second.pid)
            }
        }
    }

    /// A `worker` process running webhooks only on the rig's stores.
    func startWorkerProcess(_ rig: Rig) throws -> (pid: pid_t, log: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-worker-\(UUID().uuidString).log").path
        let pid = try ChildProcess.spawn(
            ChildProcess.productsDirectory.appendingPathComponent("worker").path,
            environment: [
                "DATABASE_URL": rig.databaseURL, "REDIS_URL": rig.redisURL, "ENV": "test", "WORKER_PORT": "0", "JOB_KINDS": "webhook",
                "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_RETRY_SCHEDULE": "0,1,1,1,1,1", "JOB_LEASE_SECONDS": "2",
                "LOG_LEVEL": "warning", "RECONCILE_INTERVAL_SECONDS": "3600",
            ],
            logFile: log)
        TestChildren.record(process: pid, program: "worker")
        return (pid, log)
    }
}

/// A resolver the test sets: names to addresses, never a lookup (so nothing leaves loopback).
final class ScriptedResolver: HostResolver {
    let names: Mutex<[String: String]>

    init(_ names: [String: String]) {
        self.names = Mutex(names)
    }

    func set(_ name: String, _ address: String) { names.withLock { $0[name] = address } }

    func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        guard let address = names.withLock({ $0[host] }) else { throw SocketAddressError.unknown(host: host, port: port) }
        return [try SocketAddress(ipAddress: address, port: port)]
    }
}
