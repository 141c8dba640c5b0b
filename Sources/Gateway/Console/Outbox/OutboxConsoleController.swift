import Foundation
import HTTPTypes
import Hummingbird
import OrderEmail
import SMTP
import Store

/// The admin's outbox: customers' latest emails with their state, each one's page with its
/// headers, text part and HTML part (framed from a sandboxed route of its own), and a retry of
/// a failed or dead one. Every rule is ``Outbox``'s.
struct OutboxConsoleController: Sendable {
    let outbox: Outbox
    let pages: ConsolePages
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/admin/outbox", use: outboxPage)
        router.get("/admin/outbox/{id}", use: messagePage)
        router.get("/admin/outbox/{id}/html", use: htmlPart)
        router.post("/admin/outbox/{id}/retry", use: retry)
    }

    struct Row: Sendable {
        var href: String
        var subject: String
        var recipient: String
        var orderHref: String
        var orderReference: String
        var state: String
        var stateClass: String
        var attempts: Int
        var error: String
        var at: String
    }

    struct OutboxPage: Sendable {
        var rows: [Row]
        var empty: Bool
        /// `SMTP_URL` is not set: no email is owed.
        var off: Bool
        /// The list is one order's (`?order=`): its reference and page.
        var order: OrderFilter?
        var paging: ConsolePaging
    }

    struct OrderFilter: Sendable {
        var reference: String
        var href: String
    }

    @Sendable func outboxPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try outbox.adminsOnly(user.actor)
        let page = max(1, min(1_000_000, Int(request.uri.queryParameters["page"] ?? "") ?? 1))
        let order = try Self.orderFilter(request)
        let latest = try await outbox.latest(order: order, page: page, size: 50, by: user.actor, logger: context.logger)
        let view = OutboxPage(
            rows: latest.items.map { entry in
                let delivery = entry.delivery
                return Row(
                    href: "/admin/outbox/" + delivery.member, subject: entry.subject ?? "(its order is gone)",
                    recipient: delivery.target, orderHref: "/orders/" + delivery.orderID.lowercasedString,
                    orderReference: ConsoleFormat.reference(delivery.orderID), state: delivery.state.rawValue,
                    stateClass: Self.stateClass(delivery.state), attempts: delivery.attempts, error: delivery.lastError ?? "",
                    at: format.time(delivery.deliveredAt ?? delivery.attemptedAt ?? delivery.createdAt))
            },
            empty: latest.items.isEmpty, off: !outbox.sending,
            order: order.map { OrderFilter(reference: ConsoleFormat.reference($0), href: "/orders/" + $0.lowercasedString) },
            paging: ConsolePaging(
                page: page, size: 50, total: latest.total, path: "/admin/outbox",
                query: order.map { [("order", $0.lowercasedString)] } ?? []))
        return pages.render("outbox", title: "Outbox", section: "outbox", page: view, context: context, request: request)
    }

    struct MessagePage: Sendable {
        var id: String
        var subject: String
        var from: String
        var to: String
        var messageID: String
        var date: String
        var text: String
        /// The message can no longer be written (its order was deleted).
        var gone: Bool
        var orderHref: String
        var orderReference: String
        var eventType: String
        var state: String
        var stateClass: String
        var attempts: Int
        var response: String
        var error: String
        var created: String
        var delivered: String
        var retriable: Bool
    }

    @Sendable func messagePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let (delivery, message) = try await outbox.message(try Self.id(context), by: user.actor, logger: context.logger)
        let view = MessagePage(
            id: delivery.member, subject: message?.subject ?? "(its order is gone)",
            from: message.map { Self.address($0.from) } ?? "", to: message?.to.map(Self.address).joined(separator: ", ") ?? delivery.target,
            messageID: message.map { "<\($0.messageID)>" } ?? "", date: message.map { format.time($0.date) } ?? "",
            text: message?.text ?? "", gone: message == nil, orderHref: "/orders/" + delivery.orderID.lowercasedString,
            orderReference: ConsoleFormat.reference(delivery.orderID), eventType: delivery.eventType, state: delivery.state.rawValue,
            stateClass: Self.stateClass(delivery.state), attempts: delivery.attempts,
            response: delivery.responseStatus.map { "\($0)" + (delivery.durationMilliseconds.map { " in \($0) ms" } ?? "") } ?? "",
            error: delivery.lastError ?? "", created: format.time(delivery.createdAt),
            delivered: delivery.deliveredAt.map(format.time) ?? "", retriable: delivery.state == .failed || delivery.state == .dead)
        return pages.render("outbox-message", title: "Email", section: "outbox", page: view, context: context, request: request)
    }

    /// The headers of the HTML part: framed by the console only, sandboxed (no script, no
    /// form, no origin of its own), and loading nothing from anywhere.
    static let htmlHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'",
        HTTPField.Name("X-Frame-Options")!: "SAMEORIGIN",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    /// The message's HTML part as the customer's mail program gets it, for the page's frame.
    @Sendable func htmlPart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let (_, message) = try await outbox.message(try Self.id(context), by: user.actor, logger: context.logger)
        guard let message else { throw StoreError(.notFound, field: "email") }
        return Response(status: .ok, headers: Self.htmlHeaders, body: .init(byteBuffer: ByteBuffer(string: message.html)))
    }

    /// Sends a failed or dead email again now.
    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let delivery = try await outbox.retry(try Self.id(context), by: user.actor, logger: context.logger)
        return pages.redirect("/admin/outbox/" + delivery.member, notice: "retried")
    }

    /// `?order=`: an order id, or the 404 page for one that cannot exist (as `/orders/{id}`).
    static func orderFilter(_ request: Request) throws -> UUID? {
        guard let value = request.uri.queryParameters["order"], !value.isEmpty else { return nil }
        guard let id = UUID(parsing: String(value)) else { throw OrderError(.notFound) }
        return id
    }

    static func address(_ address: MailAddress) -> String {
        address.name.map { "\($0) <\(address.address)>" } ?? address.address
    }

    static func stateClass(_ state: DeliveryState) -> String {
        state == .delivered ? "ok" : state == .dead ? "bad" : ""
    }

    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw StoreError(.notFound, field: "email") }
        return id
    }
}
