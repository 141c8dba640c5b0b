import Foundation
import Logging
import OrderEmail
import Postgres
import ProcessSupport
import Redis
import SMTP
import Store
import TestSupport
import Testing

@testable import Jobs

/// Customers' emails sent by a real worker to a real SMTP server on loopback (aiosmtpd,
/// `Tests/Peers/smtp_sink.py`), read back through Python's `email` package.
@Suite("Email deliveries", .timeLimit(.minutes(3)))
struct EmailDeliveryTests {
    let logger = TestStores.logger

    /// A migrated database, a private Redis, and a worker sending email to `sink` with the
    /// dispatcher beside it, for `body`.
    func withWorker(_ sink: MailSink, _ body: (Database, RedisClient) async throws -> Void) async throws {
        try await JobsTestSupport.withStores(logger: logger) { stores in
            let (database, redis) = (stores.database, stores.redis)
            let ledger = DeliveryLedger(database: database)
            let settings = try MailSettings(
                settings: Settings.from(["SMTP_URL": sink.url, "SMTP_FROM": "orders@shop.example", "SMTP_FROM_NAME": "Shöp"]))
            var policy = EmailJobs.policy(concurrency: 8, lease: .seconds(10))
            policy.backoff = JobPolicy.schedule([.milliseconds(300)])
            let handler = EmailJobs(
                policy: policy, ledger: ledger, events: OrderEventLog(database: database),
                emails: try await OrderEmails(settings: settings, timeZone: TimeZone(identifier: "Asia/Kolkata")!),
                smtp: try #require(SMTPConfiguration(url: sink.url)), connections: 2,
                reconciler: DeliveryReconciler(ledger: ledger, queue: JobQueue(redis: redis, kind: .email), redis: redis))
            let worker = JobWorker(options: .init(reconcileInterval: .seconds(3600)), redis: redis, handlers: [handler], logger: logger)
            let dispatch = DeliveryDispatchLoop(
                dispatcher: DeliveryDispatcher(ledger: ledger, redis: redis, email: true), owner: worker.id,
                interval: .milliseconds(50), logger: logger)
            try await stores.running([worker, dispatch]) { try await body(database, redis) }
        }
    }

    func emails(_ database: Database) async throws -> [Delivery] {
        try await DeliveryLedger(database: database).latest(kind: .email, offset: 0, size: 100, logger: logger).items
    }

    /// An order's whole life, and a cancelled one: the right recipient, subjects naming the
    /// short id and the state, the tracking number and the reason, both parts, non-ASCII intact.
    @Test func anOrdersLifeIsEmailed() async throws {
        try await MailSink.with { sink in
            try await withWorker(sink) { database, _ in
                let order = try await JobsTestSupport.placeOrder(
                    database, moves: [.processing, .shipped, .delivered], name: "Zoë Ångström", email: "Zoe@Example.com",
                    tracking: "TRK-Ü-42", logger: logger)
                let cancelled = try await JobsTestSupport.placeOrder(
                    database, moves: [.cancelled], name: "Bo", email: "bo@example.com", reason: "changed my mind", logger: logger)
                #expect(try await JobsTestSupport.eventually { try sink.messages().count == 6 })
                let messages = try sink.messages()
                let short = OrderEmails.shortID(order)
                let mine = messages.filter { $0.rcptTos == ["zoe@example.com"] }
                #expect(mine.map(\.subject) == ["placed", "processing", "shipped", "delivered"].map { "Order \(short): \($0)" })
                #expect(
                    mine.allSatisfy {
                        $0.to.contains("Zoë Ångström") && $0.from.contains("Shöp") && $0.parts.map(\.type) == ["text/plain", "text/html"]
                    })
                let shipped = try #require(mine.first { $0.subject.hasSuffix("shipped") })
                #expect(shipped.parts.allSatisfy { $0.body.contains("TRK-Ü-42") })
                #expect(shipped.parts.first?.body.contains("/orders/\(order.uuidString.lowercased())") == true)
                #expect(Set(mine.map(\.messageID)).count == 4 && mine.allSatisfy { $0.messageID.hasSuffix("@shop.example>") })
                let bo = messages.filter { $0.rcptTos == ["bo@example.com"] }
                let boShort = OrderEmails.shortID(cancelled)
                #expect(bo.map(\.subject) == ["Order \(boShort): placed", "Order \(boShort): cancelled"])
                #expect(boShort.hasPrefix(String(cancelled.uuidString.lowercased().prefix(8))), "the contract's first 8 characters")
                #expect(bo.last?.parts.allSatisfy { $0.body.contains("changed my mind") } == true)
                // The ledger records each acceptance just after the server's 250: wait for the last one.
                #expect(try await JobsTestSupport.eventually { try await emails(database).allSatisfy { $0.state == .delivered } })
            }
        }
    }

    /// A customer who turned status emails off gets only the created and cancelled ones.
    @Test func statusEmailsCanBeTurnedOff() async throws {
        try await MailSink.with { sink in
            try await withWorker(sink) { database, _ in
                try await JobsTestSupport.placeOrder(
                    database, moves: [.processing, .shipped, .delivered], email: "quiet@example.com", statusEmails: false, logger: logger)
                try await JobsTestSupport.placeOrder(
                    database, moves: [.cancelled], email: "quiet@example.com", statusEmails: false, reason: "x", logger: logger)
                #expect(try await JobsTestSupport.eventually { try sink.messages().count == 3 })
                try await Task.sleep(for: .milliseconds(500))
                #expect(
                    try sink.messages().map { $0.subject.split(separator: " ").last.map(String.init) ?? "" }.sorted() == [
                        "cancelled", "placed", "placed",
                    ])
            }
        }
    }

    /// A server answering 451 is retried; a delivery already accepted is never sent again, even
    /// when its job comes back (a crash after the ledger's write, before the ack).
    @Test func aTemporaryRefusalIsRetriedAndAnAcceptedMessageNeverResent() async throws {
        try await MailSink.with { sink in
            try sink.failNext(2, code: 451)
            try await withWorker(sink) { database, redis in
                try await JobsTestSupport.placeOrder(database, email: "retry@example.com", logger: logger)
                #expect(try await JobsTestSupport.eventually { try await emails(database).first?.state == .delivered })
                let delivery = try #require(try await emails(database).first)
                #expect(delivery.attempts == 3, "two 451s, then accepted")
                #expect(delivery.responseStatus == 250 && delivery.lastError == nil, "the acceptance's record replaces the refusals'")
                #expect(try sink.messages().count == 1)
                try await JobQueue(redis: redis, kind: .email).enqueue(delivery.member, dueAt: Date(), logger: logger)
                try await Task.sleep(for: .seconds(1))
                #expect(try sink.messages().count == 1, "accepted once, sent once")
            }
        }
    }
}
