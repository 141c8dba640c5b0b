import Foundation
import Logging
import Postgres
import Redis
import SMTP
import Store

/// The customers' emails below HTTP, admins only: the latest ones with their state, each one
/// written out again as it was sent (the same templates and Message-ID), and a retry of a
/// failed or dead one. The ledger is the truth; nothing here talks to the mail server.
public struct Outbox: Sendable {
    let ledger: DeliveryLedger
    let events: OrderEventLog
    let emails: OrderEmails
    let queue: JobQueue
    /// Whether `SMTP_URL` is set: without it no email is owed, and the outbox stays empty.
    public let sending: Bool

    public init(database: Database, redis: RedisClient, emails: OrderEmails, sending: Bool) {
        ledger = DeliveryLedger(database: database)
        events = OrderEventLog(database: database)
        self.emails = emails
        queue = JobQueue(redis: redis, kind: .email)
        self.sending = sending
    }

    /// One email of the outbox: its ledger row and its subject (nil when its event is gone).
    public struct Entry: Sendable {
        public var delivery: Delivery
        public var subject: String?
    }

    /// Who reads customers' emails: admins.
    public func adminsOnly(_ actor: Actor) throws(Forbidden) {
        try Forbidden.unless(actor, is: .admin)
    }

    /// The emails, newest first: `size` of page `page` (from 1); only `order`'s when it is given.
    public func latest(order: UUID? = nil, page: Int, size: Int, by actor: Actor, logger: Logger) async throws -> Page<Entry> {
        try adminsOnly(actor)
        let (items, total) = try await ledger.latest(
            kind: .email, order: order, offset: (page - 1) * size, size: size, logger: logger)
        let subjects = Dictionary(
            try await events.events(at: items.map(\.eventPosition), logger: logger).map { ($0.position, OrderEmails.subject(of: $0)) },
            uniquingKeysWith: { first, _ in first })
        return Page(items: items.map { Entry(delivery: $0, subject: subjects[$0.eventPosition]) }, total: total)
    }

    /// One email: its ledger row and the message as it is sent (nil when its event is gone).
    public func message(_ id: UUID, by actor: Actor, logger: Logger) async throws -> (Delivery, MailMessage?) {
        try adminsOnly(actor)
        guard let delivery = try await ledger.find(id, logger: logger), delivery.kind == .email else {
            throw StoreError(.notFound, field: "email")
        }
        let event = try await events.events(at: [delivery.eventPosition], logger: logger).first
        return (delivery, event.map { emails.message(for: $0, to: delivery.target) })
    }

    /// Sends a failed or dead email again now.
    public func retry(_ id: UUID, by actor: Actor, logger: Logger) async throws -> Delivery {
        try adminsOnly(actor)
        return try await ledger.retry(id, kind: .email, through: queue, logger: logger)
    }
}
