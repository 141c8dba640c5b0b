import Foundation
import HTTPTypes
import Hummingbird
import ProcessSupport
import Redis
import ServiceHTTP
import Store

/// The web console: server-rendered pages for every role, outside `/api`, on the same business
/// operations as the JSON API (every rule, limit, audit event and scheduled move is theirs).
/// Every action is a plain form or link; `console.js` only adds live updates, countdowns,
/// confirmations and selection helpers.
struct ConsoleController: Sendable {
    let accounts: AccountService
    let orders: OrderOperations
    let catalog: CatalogOperations
    let carts: CartStore
    let limiter: RateLimiter
    let limits: GatewayConfiguration.RateLimits
    let operations: ConsoleOperationsSources
    let pages: ConsolePages
    let cookies: ConsoleCookies
    let format: ConsoleFormat
    let timeZone: TimeZone

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/", use: shop)
        router.get("/login", use: loginPage)
        router.post("/login", use: login)
        router.get("/register", use: registerPage)
        router.post("/register", use: register)
        router.post("/logout", use: logout)
        router.get("/dashboard", use: dashboard)
        router.get("/cart", use: cart)
        router.post("/cart/add", use: addToCart)
        router.post("/cart/update", use: updateCart)
        router.get("/checkout", use: checkoutPage)
        router.post("/checkout", use: checkout)
        router.get("/orders", use: orderList)
        router.get("/orders/export.csv", use: exportOrders)
        router.post("/orders/bulk", use: bulk)
        router.get("/orders/{id}", use: orderPage)
        router.post("/orders/{id}/cancel", use: cancelOrder)
        router.post("/orders/{id}/details", use: updateOrderDetails)
        router.post("/orders/{id}/status", use: changeOrderStatus)
        router.get("/manage/products", use: manageProducts)
        router.get("/manage/products/new", use: newProductPage)
        router.post("/manage/products", use: createProduct)
        router.get("/manage/products/{sku}", use: editProductPage)
        router.post("/manage/products/{sku}", use: updateProduct)
        router.get("/admin/users", use: usersPage)
        router.post("/admin/users", use: createUser)
        router.post("/admin/users/{id}", use: updateUser)
        router.get("/admin/operations", use: operationsPage)
        router.post("/admin/operations/reconcile", use: reconcile)
        router.post("/admin/operations/dead/{id}/retry", use: retryDeadJob)
        router.get("/account", use: accountPage)
        router.post("/account/profile", use: updateProfile)
        router.post("/account/password", use: changePassword)
        router.post("/account/sessions/{id}/revoke", use: revokeSession)
        router.get("/assets/{file}", use: asset)
    }

    // MARK: Helpers

    /// A page for `user`'s role only; others see the 403 page.
    static func require(_ user: ConsoleUser, _ roles: Role...) throws -> ConsoleUser {
        guard roles.contains(user.role) else { throw Forbidden("Your role may not open this page.") }
        return user
    }

    /// Where to go to sign in first, coming back to this page after.
    func signInFirst(_ request: Request) -> Response {
        let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        return pages.redirect("/login?next=" + (here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"))
    }

    /// The cart's size for the navigation (0 for staff or when Redis does not answer).
    func cartCount(_ user: ConsoleUser?, context: AppRequestContext) async -> Int {
        guard let user, user.role == .customer else { return 0 }
        let lines = try? await carts.lines(userID: user.id, sessionID: user.sessionID, logger: context.logger)
        return lines?.reduce(0) { $0 + $1.quantity } ?? 0
    }

    /// Decodes a form body (already read and CSRF-checked by ``ConsoleMiddleware``).
    static func form<T: Decodable>(_ type: T.Type, _ request: Request, context: AppRequestContext) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: body))
        } catch {
            throw APIError(.badRequest, "The form could not be read.")
        }
    }

    /// A local path to return to after signing in (never another site).
    static func safeReturn(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/dashboard" }
        return next
    }

    /// Field problems by field name, for a form shown again with what was typed.
    static func problems(_ error: InvalidInput) -> [String: String] {
        Dictionary(error.fields.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
    }
}
