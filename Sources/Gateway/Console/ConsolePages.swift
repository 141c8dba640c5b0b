import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ProcessSupport
import ServiceHTTP
import Store

/// Page rendering with the frame every page shares (its navigation shows a customer's cart
/// size), the error pages, and the redirects every page's controller uses.
struct ConsolePages: Sendable {
    let renderer: ConsoleRenderer
    let cookies: ConsoleCookies
    let problems: DomainProblems
    let carts: CartOperations

    /// One navigation link.
    struct NavItem: Sendable {
        var label: String
        var href: String
        var current: Bool
    }

    /// Renders `template` inside the frame for `context`'s user. Before sign-in, a browser
    /// without a form cookie gets one (its forms' CSRF tokens are bound to it).
    func render(
        _ template: String, title: String, section: String, page: Any, context: AppRequestContext, request: Request,
        notice: String? = nil, status: HTTPResponse.Status = .ok, cartCount: Int = 0
    ) -> Response {
        var frame = ConsoleFrame(title: title)
        frame.requestID = request.headers[.requestID].flatMap(RequestIDMiddleware<AppRequestContext>.sanitized) ?? context.id
        frame.notice = notice ?? request.uri.queryParameters["notice"].flatMap { Self.notices[String($0)] }
        frame.cartCount = cartCount
        frame.serverNow = Int((Date().timeIntervalSince1970 * 1000).rounded())
        var headers: HTTPFields = [:]
        if let user = context.console {
            frame.signedIn = true
            frame.username = user.username
            frame.initial = user.username.first.map { String($0).uppercased() } ?? "?"
            frame.roleLabel = user.role.rawValue.capitalized
            frame.isCustomer = user.role == .customer
            frame.isStaff = user.isStaff
            frame.isAdmin = user.isAdmin
            frame.csrf = cookies.csrfToken(sessionID: user.sessionID)
        } else if let seed = cookies.formSeed(in: request.headers) {
            frame.csrf = cookies.csrfToken(formSeed: seed)
        } else {
            let (seed, cookie) = cookies.newFormSeed()
            frame.csrf = cookies.csrfToken(formSeed: seed)
            headers[.setCookie] = cookie
        }
        frame.nav = Self.navigation(for: context.console, section: section, cartCount: cartCount)
        return renderer.render(template, page: page, frame: frame, status: status, headers: headers)
    }

    /// A redirect after a form (303: the browser then GETs `location`), with a notice to show.
    func redirect(_ location: String, notice: String? = nil, headers: HTTPFields = [:]) -> Response {
        var target = location
        if let notice { target += (location.contains("?") ? "&" : "?") + "notice=" + notice }
        var all = headers
        all[.location] = target
        all[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: all)
    }

    /// Where to go to sign in first, coming back to this page after.
    func signInFirst(_ request: Request) -> Response {
        let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        return redirect("/login?next=" + (here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"))
    }

    /// The cart's size for the navigation (0 for staff or when Redis does not answer).
    func cartCount(_ user: ConsoleUser?, context: AppRequestContext) async -> Int {
        guard let user else { return 0 }
        // The badge is a courtesy: a page still renders when Redis cannot count it.
        return (try? await carts.itemCount(user.cart, by: user.actor, logger: context.logger)) ?? 0
    }

    /// The notices a redirect may ask for, by name (no text from the URL is ever shown).
    static let notices: [String: String] = [
        "signed-in": "Welcome back.",
        "signed-out": "You have signed out.",
        "registered": "Your account is ready. Welcome!",
        "ended": "Your session has ended. Please sign in again.",
        "added": "Added to your cart.",
        "cart-updated": "Your cart was updated.",
        "placed": "Thank you! Your order has been placed.",
        "cancelled": "The order was cancelled.",
        "paid": "Thank you! Your payment went through.",
        "authenticate": "Your card asks you to confirm the payment: see below.",
        "refunded": "The refund was asked for; it shows as succeeded once the provider confirms.",
        "saved": "Saved.",
        "moved": "The order moved on.",
        "password": "Your password was changed; your other sessions have ended.",
        "revoked": "The session was ended.",
        "created": "Created.",
        "reconciled": "The reconciler ran.",
        "retried": "The job was scheduled again.",
        "deleted": "Deleted.",
    ]

    static func navigation(for user: ConsoleUser?, section: String, cartCount: Int) -> [NavItem] {
        var items = [NavItem(label: "Shop", href: "/", current: section == "shop")]
        guard let user else { return items }
        items.append(NavItem(label: "Dashboard", href: "/dashboard", current: section == "dashboard"))
        items.append(NavItem(label: user.isStaff ? "Orders" : "My orders", href: "/orders", current: section == "orders"))
        if user.isStaff {
            items.append(NavItem(label: "Catalog", href: "/manage/products", current: section == "manage"))
        } else {
            items.append(NavItem(label: cartCount > 0 ? "Cart (\(cartCount))" : "Cart", href: "/cart", current: section == "cart"))
        }
        if user.isAdmin {
            items.append(NavItem(label: "Users", href: "/admin/users", current: section == "users"))
            items.append(NavItem(label: "Operations", href: "/admin/operations", current: section == "operations"))
            items.append(NavItem(label: "Webhooks", href: "/admin/webhooks", current: section == "webhooks"))
            items.append(NavItem(label: "Outbox", href: "/admin/outbox", current: section == "outbox"))
        }
        items.append(NavItem(label: "Account", href: "/account", current: section == "account"))
        return items
    }

    // MARK: Errors

    /// What an error page says.
    struct ErrorPage: Sendable {
        var status: Int
        var heading: String
        var message: String
        var signIn: Bool
    }

    /// The error as a page in the console's style: the API's status and wording, never internals.
    func failure(_ error: any Error, request: Request, context: AppRequestContext) -> Response {
        var status = HTTPResponse.Status.internalServerError
        var message = "Something went wrong on our side. Please try again; if it keeps happening, give the shop the request id below."
        var headers: HTTPFields = [:]
        if let api = (error as? APIError) ?? problems.apiError(for: error) {
            status = api.status
            message = api.detail ?? status.reasonPhrase
            headers = api.headers.filter { $0.name == .retryAfter }
        } else if let http = error as? HTTPError {
            status = http.status
            message = status == .notFound ? "There is no page here." : status.reasonPhrase
        } else {
            // The API's classification and logging; the page says it in the console's words.
            let answer = APIError.unexpected(error, path: request.uri.path, logger: context.logger)
            status = answer.status
            headers = answer.headers
            if status == .serviceUnavailable { message = "The shop is briefly unavailable. Please try again in a moment." }
        }
        let heading =
            switch status.code {
            case 401: "Please sign in"
            case 403: "Not allowed"
            case 404: "Not found"
            case 429: "Slow down"
            case 503: "Unavailable"
            default: status.code >= 500 ? "Something went wrong" : "That did not work"
            }
        let page = ErrorPage(status: status.code, heading: heading, message: message, signIn: status == .unauthorized)
        return render("error", title: heading, section: "", page: page, context: context, request: request, status: status)
            .withHeaders(headers)
    }
}

extension Response {
    /// The response with `headers` added.
    func withHeaders(_ headers: HTTPFields) -> Response {
        var response = self
        for field in headers { response.headers[field.name] = field.value }
        return response
    }
}
