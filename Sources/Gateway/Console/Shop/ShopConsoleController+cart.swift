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

    /// The cart's lines priced from the catalog as it is now (the order takes them from there too).
    func cartLines(_ user: ConsoleUser, context: AppRequestContext) async throws -> (lines: [CartLine], total: Decimal, valid: Bool) {
        var lines: [CartLine] = []
        var total = Decimal(0)
        var valid = true
        for (sku, quantity) in try await carts.lines(userID: user.id, sessionID: user.sessionID, logger: context.logger) {
            guard let product = try? await catalog.product(sku, for: user.actor, logger: context.logger) else {
                lines.append(
                    CartLine(
                        sku: sku, name: sku, quantity: quantity, unitPrice: "–", lineTotal: "–", available: false, note: "no longer sold"))
                valid = false
                continue
            }
            let lineTotal = product.price * Decimal(quantity)
            total += lineTotal
            let enough = product.stock >= quantity
            if !enough { valid = false }
            lines.append(
                CartLine(
                    sku: sku, name: product.name, quantity: quantity, unitPrice: format.money(product.price),
                    lineTotal: format.money(lineTotal),
                    available: enough, note: enough ? nil : "only \(product.stock) in stock"
                ))
        }
        return (lines, total, valid && !lines.isEmpty)
    }

    @Sendable func cart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.customer)
        let (lines, total, valid) = try await cartLines(user, context: context)
        let view = CartPage(lines: lines, empty: lines.isEmpty, total: format.money(total), canCheckOut: valid)
        return pages.render(
            "cart", title: "Your cart", section: "cart", page: view, context: context, request: request,
            cartCount: lines.reduce(0) { $0 + $1.quantity }
        )
    }

    @Sendable func addToCart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.redirect("/login?next=%2F") }
        try user.require(.customer)
        let form = try await ConsoleForm.decode(AddForm.self, request, context: context)
        _ = try await catalog.product(form.sku, for: user.actor, logger: context.logger)
        try await carts.add(
            sku: form.sku, quantity: form.quantity ?? 1, userID: user.id, sessionID: user.sessionID, logger: context.logger)
        return pages.redirect(ConsoleForm.safeReturn(form.back ?? "/"), notice: "added")
    }

    /// Sets a line's quantity (0, or the remove button, takes it out).
    @Sendable func updateCart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.customer)
        let form = try await ConsoleForm.decode(UpdateForm.self, request, context: context)
        try await carts.set(sku: form.sku, quantity: form.quantity, userID: user.id, sessionID: user.sessionID, logger: context.logger)
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

    struct CheckoutForm: Decodable {
        var key: String
        var customerName: String
        var customerEmail: String
        var customerPhone: String?
        var shippingAddress: String
        var notes: String?

        enum CodingKeys: String, CodingKey {
            case key, notes
            case customerName = "customer_name"
            case customerEmail = "customer_email"
            case customerPhone = "customer_phone"
            case shippingAddress = "shipping_address"
        }
    }

    @Sendable func checkoutPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.customer)
        let (lines, total, valid) = try await cartLines(user, context: context)
        guard valid else { return pages.redirect("/cart") }
        let account = try await user.account(from: accounts.users, logger: context.logger)
        let view = CheckoutPage(
            lines: lines, total: format.money(total), customerName: account.fullName ?? user.username,
            customerEmail: account.email,
            customerPhone: account.phone ?? "", shippingAddress: account.address ?? "", notes: "", key: UUID().uuidString.lowercased()
        )
        return pages.render(
            "checkout", title: "Checkout", section: "cart", page: view, context: context, request: request,
            cartCount: lines.reduce(0) { $0 + $1.quantity }
        )
    }

    /// Places the cart as an order through the same operation as `POST /api/orders`, with the
    /// page's key as the `Idempotency-Key`: a double click or a resubmitted form gives one order.
    @Sendable func checkout(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.customer)
        let form = try await ConsoleForm.decode(CheckoutForm.self, request, context: context)
        let key = "console:" + String(form.key.prefix(64))
        if let earlier = try await orders.placed(withKey: key, by: user.actor, logger: context.logger) {
            return pages.redirect("/orders/\(earlier.uuidString.lowercased())", notice: "placed")
        }
        let lines = try await carts.lines(userID: user.id, sessionID: user.sessionID, logger: context.logger)
        let input = OrderInput(
            customerName: form.customerName, customerEmail: form.customerEmail,
            customerPhone: form.customerPhone.flatMap { $0.isEmpty ? nil : $0 }, shippingAddress: form.shippingAddress,
            notes: form.notes.flatMap { $0.isEmpty ? nil : $0 }, lines: lines
        )
        do {
            // A replay (the same key while the first is still in the cart) gives the same order.
            let (order, _) = try await orders.place(input, by: user.actor, idempotencyKey: key, logger: context.logger)
            try? await carts.clear(userID: user.id, sessionID: user.sessionID, logger: context.logger)
            return pages.redirect("/orders/\(order.id.uuidString.lowercased())", notice: "placed")
        } catch let error as OrderError where error.code == .idempotencyInProgress {
            // The first submit is still placing the order: wait for it, then show it.
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(100))
                if let earlier = try await orders.placed(withKey: key, by: user.actor, logger: context.logger) {
                    return pages.redirect("/orders/\(earlier.uuidString.lowercased())", notice: "placed")
                }
            }
            throw error
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
        let (lines, total, _) = try await cartLines(user, context: context)
        let view = CheckoutPage(
            lines: lines, total: format.money(total), customerName: form.customerName, customerEmail: form.customerEmail,
            customerPhone: form.customerPhone ?? "", shippingAddress: form.shippingAddress, notes: form.notes ?? "",
            key: UUID().uuidString.lowercased(), error: error, problems: problems
        )
        return pages.render(
            "checkout", title: "Checkout", section: "cart", page: view, context: context, request: request, status: .unprocessableContent,
            cartCount: lines.reduce(0) { $0 + $1.quantity }
        )
    }
}
