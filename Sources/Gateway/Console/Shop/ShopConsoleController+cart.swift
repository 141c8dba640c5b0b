import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store

extension ShopConsoleController {
    // MARK: Cart

    struct CartLine: Sendable {
        var sku: String
        var name: String
        var quantity: Int
        var unitPrice: String
        var lineTotal: String
        var available: Bool
        var note: String?
    }

    struct CartPage: Sendable {
        var lines: [CartLine]
        var empty: Bool
        var total: String
        var canCheckOut: Bool
    }

    struct AddForm: Decodable {
        var sku: String
        var quantity: Int?
        var back: String?
    }

    struct UpdateForm: Decodable {
        var sku: String
        var quantity: Int
    }

    /// The cart's lines as the page shows them.
    func lines(of cart: PricedCart) -> [CartLine] {
        cart.lines.map { line in
            guard let product = line.product else {
                return CartLine(
                    sku: line.sku, name: line.sku, quantity: line.quantity, unitPrice: "–", lineTotal: "–", available: false,
                    note: "no longer sold")
            }
            return CartLine(
                sku: line.sku, name: product.name, quantity: line.quantity, unitPrice: format.money(product.price),
                lineTotal: line.lineTotal.map(format.money) ?? "–", available: line.isAvailable,
                note: line.isAvailable ? nil : "only \(product.stock) in stock")
        }
    }

    @Sendable func cart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let cart = try await carts.priced(user.cart, by: user.actor, logger: context.logger)
        let view = CartPage(
            lines: lines(of: cart), empty: cart.lines.isEmpty, total: format.money(cart.total), canCheckOut: cart.canCheckOut)
        return pages.render(
            "cart", title: "Your cart", section: "cart", page: view, context: context, request: request, cartCount: cart.itemCount)
    }

    @Sendable func addToCart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.redirect("/login?next=%2F") }
        let form = try await ConsoleForm.decode(AddForm.self, request, context: context)
        try await carts.add(form.sku, quantity: form.quantity ?? 1, to: user.cart, by: user.actor, logger: context.logger)
        return pages.redirect(ConsoleForm.safeReturn(form.back ?? "/"), notice: "added")
    }

    /// Sets a line's quantity (0, or the remove button, takes it out).
    @Sendable func updateCart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let form = try await ConsoleForm.decode(UpdateForm.self, request, context: context)
        try await carts.set(form.sku, quantity: form.quantity, in: user.cart, by: user.actor, logger: context.logger)
        return pages.redirect("/cart", notice: "cart-updated")
    }

    // MARK: Checkout

    struct CheckoutPage: Sendable {
        var lines: [CartLine]
        var total: String
        var customerName: String
        var customerEmail: String
        var customerPhone: String
        var shippingAddress: String
        var notes: String
        /// The order's `Idempotency-Key`: a second submit of this page places nothing new.
        var key: String
        var error: String?
        var problems: [String: String] = [:]
    }

    /// The checkout form: the order's contact fields, as the API names them, and the page's key.
    struct CheckoutForm: Decodable {
        var key: String
        var contact: OrderContact

        enum CodingKeys: String, CodingKey {
            case key
        }

        init(from decoder: any Decoder) throws {
            key = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .key)
            contact = try OrderContactFields(from: decoder).formContact
        }
    }

    @Sendable func checkoutPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let cart = try await carts.priced(user.cart, by: user.actor, logger: context.logger)
        guard cart.canCheckOut else { return pages.redirect("/cart") }
        let account = try await user.account(from: accounts, logger: context.logger)
        let view = CheckoutPage(
            lines: lines(of: cart), total: format.money(cart.total), customerName: account.fullName ?? user.username,
            customerEmail: account.email,
            customerPhone: account.phone ?? "", shippingAddress: account.address ?? "", notes: "", key: UUID.random().lowercasedString
        )
        return pages.render(
            "checkout", title: "Checkout", section: "cart", page: view, context: context, request: request,
            cartCount: cart.itemCount
        )
    }

    /// Places the cart as an order through the same operation as `POST /api/orders`, with the
    /// page's key as the `Idempotency-Key`: a double click or a resubmitted form gives one order.
    @Sendable func checkout(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let form = try await ConsoleForm.decode(CheckoutForm.self, request, context: context)
        do {
            let key = "console:" + String(form.key.prefix(64))
            let order = try await carts.checkout(user.cart, for: form.contact, idempotencyKey: key, by: user.actor, logger: context.logger)
            return pages.redirect("/orders/\(order.lowercasedString)", notice: "placed")
        } catch let error as InvalidInput {
            let problems = ConsoleForm.problems(error)
            let message =
                problems.first { $0.key.hasPrefix("items") }.map { "Your cart: \($0.value)." } ?? "Please correct the fields below."
            return try await checkoutAgain(form, user: user, error: message, problems: problems, request: request, context: context)
        } catch let error as OrderError where error.code != .notFound {
            let message = pages.problems.answer(to: error).detail ?? "The order could not be placed."
            return try await checkoutAgain(form, user: user, error: message, problems: [:], request: request, context: context)
        }
    }

    private func checkoutAgain(
        _ form: CheckoutForm, user: ConsoleUser, error: String, problems: [String: String], request: Request, context: AppRequestContext
    ) async throws -> Response {
        let cart = try await carts.priced(user.cart, by: user.actor, logger: context.logger)
        let view = CheckoutPage(
            lines: lines(of: cart), total: format.money(cart.total), customerName: form.contact.customerName,
            customerEmail: form.contact.customerEmail, customerPhone: form.contact.customerPhone ?? "",
            shippingAddress: form.contact.shippingAddress, notes: form.contact.notes ?? "",
            key: UUID.random().lowercasedString, error: error, problems: problems
        )
        return pages.render(
            "checkout", title: "Checkout", section: "cart", page: view, context: context, request: request, status: .unprocessableContent,
            cartCount: cart.itemCount
        )
    }
}
