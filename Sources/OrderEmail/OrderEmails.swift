import Foundation
import Mustache
import ProcessSupport
import SMTP
import Store

/// Writes the email a customer gets about one event of their order: a subject naming the order's
/// short id and its new state, a text and an HTML part from `Resources/Email/*.mustache`, times
/// in the display zone, a link to the order in the console.
public struct OrderEmails: Sendable {
    let library: MustacheLibrary
    /// Times as people read them, in the display zone: `4 Dec 2026, 08:16 IST`.
    let time: Date.FormatStyle
    let from: MailAddress
    let publicURL: String
    /// The domain that ends every Message-ID (the sender's).
    let domain: String

    public init(settings: MailSettings, timeZone: TimeZone) async throws {
        guard let directory = Bundle.module.url(forResource: "Email", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the email templates are missing"])
        }
        library = try await MustacheLibrary(directory: directory.path)
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened, locale: Locale(identifier: "en_GB"), timeZone: timeZone)
        style.timeZone = timeZone
        self.time = style
        from = MailAddress(settings.from, name: settings.fromName)
        publicURL = settings.publicURL.hasSuffix("/") ? String(settings.publicURL.dropLast()) : settings.publicURL
        domain = String(settings.from.split(separator: "@").last ?? "localhost")
    }

    /// The emails of `platform`'s shop: its sender and console address, its display zone.
    public init(_ platform: PlatformConfiguration) async throws {
        try await self.init(settings: platform.mail, timeZone: platform.timeZone)
    }

    /// What the templates read (stored properties only).
    struct View: Sendable {
        struct Line: Sendable {
            var quantity: Int
            var name: String
            var total: String
        }

        var subject: String
        var name: String
        var headline: String
        var shortID: String
        var itemsCount: String
        var total: String
        var items: [Line]
        var trackingNumber: String?
        var reason: String?
        var at: String
        var link: String
        var accountLink: String
        var canTurnOff: Bool
        var shop: String
    }

    /// The message for `event` to `recipient`; its Message-ID is the same every time it is written.
    public func message(for event: PublishedOrderEvent, to recipient: String) -> MailMessage {
        let order = event.order
        let shortID = Self.shortID(order.id)
        let state = Self.state(of: event)
        let view = View(
            subject: Self.subject(of: event), name: order.customerName, headline: state.headline, shortID: shortID,
            itemsCount: order.itemsCount == 1 ? "1 item" : "\(order.itemsCount) items",
            total: "\(order.totalAmount.moneyString) \(order.currency)",
            items: order.items.map { .init(quantity: $0.quantity, name: $0.productName, total: $0.totalPrice.moneyString) },
            trackingNumber: event.to == .shipped ? order.trackingNumber : nil,
            reason: event.to == .cancelled ? (event.reason ?? "no reason given") : nil,
            at: event.at.formatted(time) + " (" + (time.timeZone.identifier) + ")",
            link: "\(publicURL)/orders/\(order.id.lowercasedString)", accountLink: "\(publicURL)/account",
            canTurnOff: event.type == .statusChanged, shop: from.name ?? "")
        return MailMessage(
            from: from, to: [MailAddress(recipient, name: order.customerName)], subject: view.subject,
            messageID: Self.messageID(position: event.position, recipient: recipient, domain: domain), date: event.at,
            text: library.render(view, withTemplate: "order-text") ?? view.headline,
            html: library.render(view, withTemplate: "order-html") ?? "<p>\(view.headline)</p>")
    }

    /// `Order <short id>: <state>`, as the contract has it.
    public static func subject(of event: PublishedOrderEvent) -> String {
        "Order \(shortID(event.orderID)): \(state(of: event).word)"
    }

    /// The contract's short id (the id's first 8 characters) and the console's reference (its
    /// last 8): ids are UUIDv7, whose first characters are a clock that orders of the same minute
    /// share, so the reference tells them apart.
    public static func shortID(_ id: UUID) -> String {
        let text = id.lowercasedString
        return "\(text.prefix(8)) (#\(text.suffix(8)))"
    }

    /// `<position>.<16 hex of the recipient's hash>@<domain>`: one id per (event, recipient), ever.
    static func messageID(position: Int64, recipient: String, domain: String) -> String {
        let hash = recipient.lowercased().utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return "\(position).\(String(hash, radix: 16))@\(domain)"
    }

    static func state(of event: PublishedOrderEvent) -> (word: String, headline: String) {
        switch (event.type, event.to) {
        case (.created, _): ("placed", "Thank you: we have your order.")
        case (.cancelled, _): ("cancelled", "Your order was cancelled.")
        case (_, .processing): ("processing", "We are preparing your order.")
        case (_, .shipped): ("shipped", "Your order is on its way.")
        case (_, .delivered): ("delivered", "Your order was delivered.")
        default: (event.to.rawValue, "Your order is now \(event.to.rawValue).")
        }
    }
}
