import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Store
import TestSupport
import Testing

@testable import Gateway

/// The web console's routes without a browser: statuses, content types, the page headers and
/// cookie attributes, CSRF and role refusals, and that its actions are the API's operations.
/// `make test-browser` drives the same pages in Chromium.
@Suite("Console", .timeLimit(.minutes(3)))
struct ConsoleTests {
    let orders = OrdersTests()

    // MARK: Helpers

    func expectPage(
        _ response: TestResponse, _ status: HTTPResponse.Status = .ok, _ comment: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(comment) status \(response.status)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(comment) content type", sourceLocation: sourceLocation)
        let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
        #expect(policy.contains("script-src 'self'") && policy.contains("style-src 'self'"), sourceLocation: sourceLocation)
        #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"), sourceLocation: sourceLocation)
        #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", sourceLocation: sourceLocation)
        #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", sourceLocation: sourceLocation)
        #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
        #expect(response.text.hasPrefix("<!doctype html>"), "\(comment) is a whole page", sourceLocation: sourceLocation)
    }

    func session(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(ConsoleCookies.sessionName + "=") }
    }

    /// A customer with a placed order (through the API), signed in to the console.
    func customerWithOrder(_ browser: ConsoleBrowser, stock: Int = 10) async throws -> (user: User, order: String, sku: String) {
        let user = try await createAccount(role: .customer)
        let sku = try await orders.makeProduct(stock: stock)
        let token = try await browser.client.login(user.username).access
        let placed = try await orders.place(browser.client, token: token, [(sku, 1)])
        #expect(placed.status == .created)
        try await browser.signIn(user.username)
        return (user, try #require(placed.json?["id"] as? String), sku)
    }

    // MARK: Pages and headers

    @Test func theShopAnswersAnyoneWithAPageAndAFormCookie() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            let response = try await browser.get("/")
            expectPage(response)
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("op_form=") })
            #expect(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure") && cookie.contains("Path=/"))
            #expect(response.text.contains("Sign in"))
            try await browser.get("/login")
            #expect(!browser.csrf.isEmpty, "forms before sign-in carry a token bound to the form cookie")
            // No token or secret in a page; the script and stylesheet come from this origin only.
            #expect(!response.text.contains("access_token") && !response.text.contains("localStorage"))
            #expect(response.text.contains(#"<script src="/assets/console-"#))
        }
    }

    @Test func everyPageOfEveryRoleAnswers() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let admin = try await createAccount(role: .admin)
        let sku = try await orders.makeProduct(stock: 5)
        try await makeAccountsGateway().test(.router) { client in
            let token = try await client.login(customer.username).access
            let order = try #require(try await orders.place(client, token: token, [(sku, 1)]).json?["id"] as? String)
            let anyone = ["/", "/?category=Test&in_stock=1&q=item", "/login", "/register"]
            let signedIn = ["/dashboard", "/orders", "/orders/\(order)", "/account"]
            let pages: [(User, [String])] = [
                (customer, signedIn + ["/cart"]),
                (
                    vendor,
                    signedIn + [
                        "/orders?status=pending&sort=-total_amount&min_total=1", "/manage/products", "/manage/products/new",
                        "/manage/products/\(sku)",
                    ]
                ),
                (
                    admin,
                    signedIn + [
                        "/manage/products", "/admin/users", "/admin/users?role=vendor&active=yes", "/admin/operations", "/admin/webhooks",
                        "/admin/outbox",
                    ]
                ),
            ]
            let browser = ConsoleBrowser(client)
            for path in anyone { expectPage(try await browser.get(path), .ok, path) }
            for (user, paths) in pages {
                browser.forget()
                try await browser.signIn(user.username)
                for path in paths {
                    let response = try await browser.get(path)
                    expectPage(response, .ok, "\(user.role) \(path)")
                    #expect(response.text.contains(user.username), "\(path) shows who is signed in")
                }
            }
        }
    }

    @Test func assetsCarryTheirHashAndAreCachedForAYear() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let page = try await client.execute(uri: "/login", method: .get)
            let html = String(buffer: page.body)
            for pattern in [#"/assets/console-[0-9a-f]{12}\.css"#, #"/assets/console-[0-9a-f]{12}\.js"#] {
                let range = try #require(html.range(of: pattern, options: .regularExpression))
                let asset = try await client.execute(uri: String(html[range]), method: .get)
                #expect(asset.status == .ok)
                #expect(asset.headers[.cacheControl] == "public, max-age=31536000, immutable")
            }
            #expect(try await client.execute(uri: "/assets/console-000000000000.css", method: .get).status == .notFound)
        }
    }

    /// The issue's budget: script and stylesheet together at most 60 KB.
    @Test func theScriptAndStylesheetStayWithinTheirBudget() throws {
        let assets = try ConsoleAssets.bundled()
        #expect(assets.script.body.readableBytes + assets.stylesheet.body.readableBytes <= 60 * 1024)
    }

    @Test func aPathNoRouteServesIsTheConsoles404ButTheAPIsStaysAProblem() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let page = try await client.execute(uri: "/no/such/page", method: .get)
            expectPage(page, .notFound)
            #expect(String(buffer: page.body).contains("Request id"))
            let api = try await client.execute(uri: "/api/no-such-thing", method: .get)
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType] == "application/problem+json")
        }
    }

    // MARK: Sign-in

    @Test func signingInSetsASessionCookieAndSigningOutEndsTheSession() async throws {
        let user = try await createAccount(role: .customer)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.get("/login")
            let response = try await browser.post("/login", [("username", user.email.uppercased()), ("password", "correct-horse")])
            #expect(response.status == .seeOther)
            let cookie = try #require(session(response))
            #expect(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure") && cookie.contains("Max-Age="))
            let old = try #require(browser.cookies[ConsoleCookies.sessionName])
            expectPage(try await browser.get("/dashboard"))

            // The console's session is an ordinary session: the API lists it.
            let token = try await client.login(user.username).access
            let listed = try await client.send(.get, "/api/auth/sessions", token: token)
            #expect(String(buffer: listed.body).contains(String(old.split(separator: ".")[1])))

            let out = try await browser.post("/logout")
            #expect(out.status == .seeOther && out.headers[.location]?.hasPrefix("/login") == true)
            // The old cookie no longer signs anyone in.
            browser.setCookie(ConsoleCookies.sessionName, old)
            let after = try await browser.get("/dashboard")
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/login") == true)
        }
    }

    @Test func aSessionCookieCannotBeAlteredOrForged() throws {
        let cookies = ConsoleCookies(secret: TestStores.secretKey, secure: true, maxAge: 60)
        let id = UUID()
        let header = cookies.sessionCookie(userID: id, sessionID: "s1", username: "ann")
        let value = try #require(header.split(separator: ";").first.map { String($0.dropFirst("op_session=".count)) })
        let read = cookies.session(in: [.cookie: "theme=dark; op_session=\(value)"])
        #expect(read?.userID == id && read?.sessionID == "s1" && read?.username == "ann")
        var parts = value.split(separator: ".").map(String.init)
        parts[2] = ConsoleCookies.base64URL(Data("admin".utf8))
        #expect(
            cookies.session(in: [.cookie: "op_session=" + parts.joined(separator: ".")]) == nil, "another username breaks the signature")
        let other = ConsoleCookies(secret: TestStores.secretKey + "x", secure: true, maxAge: 60)
        #expect(other.session(in: [.cookie: "op_session=\(value)"]) == nil, "another key's cookie is refused")
        #expect(cookies.session(in: [.cookie: "op_session=garbage"]) == nil)
        #expect(
            header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Secure") && header.contains("Max-Age=60"))
    }

    @Test func aWrongPasswordIsTheAPIsRefusalWithTheUsernameKept() async throws {
        let user = try await createAccount(role: .customer)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.get("/login")
            let response = try await browser.post("/login", [("username", user.username), ("password", "wrong-horse")])
            expectPage(response, .unauthorized)
            #expect(response.text.contains("Incorrect username or password."))
            #expect(response.text.contains(#"value="\#(user.username)""#))
            #expect(session(response) == nil)
        }
    }

    @Test func theLoginLimitIsTheAPIs() async throws {
        let user = try await createAccount(role: .customer)
        try await makeAccountsGateway(["RATE_LIMIT_LOGIN_USER": "2/min"]).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.get("/login")
            for _ in 0..<2 { _ = try await browser.post("/login", [("username", user.username), ("password", "wrong")]) }
            let limited = try await browser.post("/login", [("username", user.username), ("password", "correct-horse")])
            expectPage(limited, .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test func registeringMakesACustomerAndAProblemKeepsWhatWasTyped() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.get("/register")
            let name = uniqueName("reg")
            let bad = try await browser.post("/register", [("username", name), ("email", "not-an-email"), ("password", "long-enough-1")])
            expectPage(bad, .unprocessableContent)
            #expect(bad.text.contains("Email must be a valid email address"))
            #expect(bad.text.contains(#"value="\#(name)""#))
            #expect(try await userCount(username: name) == 0)

            let good = try await browser.post(
                "/register", [("username", name), ("email", "\(name)@example.com"), ("password", "long-enough-1"), ("role", "admin")]
            )
            #expect(good.status == .seeOther)
            let page = try await browser.get("/dashboard")
            expectPage(page)
            #expect(page.text.contains("Customer"))
        }
    }

    // MARK: Refusals

    @Test func aFormWithoutItsTokenIsRefused() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            let (user, _, sku) = try await customerWithOrder(browser)
            let refused = try await browser.post("/cart/add", [("sku", sku), ("quantity", "1")], csrf: false)
            expectPage(refused, .forbidden)
            #expect(refused.text.contains("did not come from this site"))
            let forged = try await browser.post("/cart/add", [("sku", sku), ("quantity", "1"), ("_csrf", "forged")], csrf: false)
            #expect(forged.status == .forbidden)
            expectPage(try await browser.get("/cart"))
            #expect(!(try await browser.get("/cart")).text.contains(sku))
            // Before sign-in too: a login form without the token is refused.
            browser.forget()
            expectPage(
                try await browser.post("/login", [("username", user.username), ("password", "correct-horse")], csrf: false), .forbidden)
        }
    }

    @Test func eachRoleIsRefusedThePagesOfOthers() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(customer.username)
            for path in ["/admin/users", "/admin/operations", "/manage/products", "/manage/products/new"] {
                expectPage(try await browser.get(path), .forbidden, path)
            }
            expectPage(try await browser.post("/orders/bulk", [("action", "process"), ("ids[]", UUID().uuidString)]), .forbidden)
            browser.forget()
            try await browser.signIn(vendor.username)
            for path in ["/admin/users", "/admin/operations", "/cart"] {
                let refused = try await browser.get(path)
                expectPage(refused, .forbidden, path)
                // The refusal is shown inside the signed-in frame: the user is still signed in.
                #expect(refused.text.contains(vendor.username) && refused.text.contains("Sign out"), "\(path) lost the signed-in frame")
            }
            expectPage(try await browser.post("/admin/operations/reconcile"), .forbidden)
            let missing = try await browser.get("/no-such-page")
            expectPage(missing, .notFound)
            #expect(missing.text.contains(vendor.username), "the 404 page lost the signed-in frame")
        }
    }

    @Test func signedOutPagesSendTheBrowserToSignInAndBack() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let response = try await client.execute(uri: "/orders?status=pending", method: .get)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/login?next=%2Forders%3Fstatus%3Dpending")
        }
    }

    @Test func anotherCustomersOrderIsTheNotFoundPage() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let owner = ConsoleBrowser(client)
            let (_, order, _) = try await customerWithOrder(owner)
            let other = ConsoleBrowser(client)
            try await other.signIn(try await createAccount(role: .customer).username)
            let response = try await other.get("/orders/\(order)")
            expectPage(response, .notFound)
            #expect(!response.text.contains(order))
            expectPage(try await other.post("/orders/\(order)/cancel", [("reason", "not mine")]), .notFound)
            #expect(try await owner.get("/orders/\(order)").text.contains("Pending"))
        }
    }

    // MARK: Shopping

    @Test func theCartBecomesOneOrderHoweverOftenTheCheckoutIsSent() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            let customer = try await createAccount(role: .customer)
            let sku = try await orders.makeProduct(stock: 10)
            try await browser.signIn(customer.username)
            try await browser.get("/")
            #expect(try await browser.post("/cart/add", [("sku", sku), ("quantity", "2"), ("back", "/")]).status == .seeOther)
            let cart = try await browser.get("/cart")
            #expect(cart.text.contains(sku) && cart.text.contains("$20.00"))
            let checkout = try await browser.get("/checkout")
            expectPage(checkout)
            let key = try #require(checkout.text.range(of: #"name="key" value="[0-9a-f-]{36}""#, options: .regularExpression))
            let fields = [
                ("key", String(checkout.text[key].dropFirst(18).dropLast())), ("customer_name", "Ann Example"),
                ("customer_email", "ann@example.com"), ("shipping_address", "1 Main St"), ("customer_phone", ""), ("notes", ""),
            ]
            let first = try await browser.post("/checkout", fields)
            let second = try await browser.post("/checkout", fields)
            #expect(first.status == .seeOther && second.status == .seeOther)
            #expect(first.headers[.location] == second.headers[.location])
            #expect(try await orders.stock(sku) == 8)
            let orderPage = try await browser.get(try #require(first.headers[.location]))
            expectPage(orderPage)
            #expect(orderPage.text.contains("data-countdown=") && orderPage.text.contains("Cancel order"))
            #expect(!(try await browser.get("/cart")).text.contains(sku), "the cart is empty after the order")
        }
    }

    @Test func aCheckoutProblemIsShownNextToItsFieldWithWhatWasTyped() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            let customer = try await createAccount(role: .customer)
            let sku = try await orders.makeProduct(stock: 10)
            try await browser.signIn(customer.username)
            try await browser.get("/")
            try await browser.post("/cart/add", [("sku", sku), ("quantity", "1")])
            try await browser.get("/checkout")
            let response = try await browser.post(
                "/checkout",
                [
                    ("key", UUID().uuidString), ("customer_name", "Ann"), ("customer_email", "ann@example.com"),
                    ("shipping_address", String(repeating: "x", count: 501)),
                ]
            )
            expectPage(response, .unprocessableContent)
            #expect(response.text.contains(#"id="co-address-error""#) && response.text.contains("must be 1 to 500 characters"))
            #expect(response.text.contains(#"value="Ann""#))
            #expect(try await orders.stock(sku) == 10)
        }
    }

    @Test func aCustomerCancelsWithinTheWindowThroughTheAPIsRules() async throws {
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            let (_, order, sku) = try await customerWithOrder(browser)
            try await browser.get("/orders/\(order)")
            let response = try await browser.post("/orders/\(order)/cancel", [("reason", "changed my mind")])
            #expect(response.status == .seeOther)
            let page = try await browser.get("/orders/\(order)")
            #expect(page.text.contains("Cancelled") && page.text.contains("changed my mind"))
            #expect(try await orders.stock(sku) == 10)
            // Cancelling again is the API's conflict, shown on the order's page.
            let again = try await browser.post("/orders/\(order)/cancel", [("reason", "")])
            expectPage(again, .conflict)
        }
    }

    // MARK: Staff

    @Test func aVendorShipsWithARequiredTrackingNumber() async throws {
        let vendor = try await createAccount(role: .vendor)
        try await makeAccountsGateway().test(.router) { client in
            let customer = ConsoleBrowser(client)
            let (_, order, _) = try await customerWithOrder(customer)
            let staff = ConsoleBrowser(client)
            try await staff.signIn(vendor.username)
            try await staff.get("/orders/\(order)")
            #expect(try await staff.post("/orders/\(order)/status", [("status", "processing")]).status == .seeOther)
            let missing = try await staff.post("/orders/\(order)/status", [("status", "shipped"), ("tracking_number", " ")])
            expectPage(missing, .unprocessableContent)
            #expect(missing.text.contains("is required to ship an order"))
            #expect(
                try await staff.post("/orders/\(order)/status", [("status", "shipped"), ("tracking_number", "TRACK-1")]).status == .seeOther
            )
            let seen = try await customer.get("/orders/\(order)")
            #expect(seen.text.contains("Shipped") && seen.text.contains("TRACK-1"))
        }
    }

    @Test func aBulkActionAppliesEachOrderAndReportsTheOneItCouldNot() async throws {
        let vendor = try await createAccount(role: .vendor)
        try await makeAccountsGateway().test(.router) { client in
            let customer = ConsoleBrowser(client)
            let (_, first, _) = try await customerWithOrder(customer)
            let (_, second, _) = try await customerWithOrder(ConsoleBrowser(client))
            let staff = ConsoleBrowser(client)
            try await staff.signIn(vendor.username)
            try await staff.get("/orders/\(second)")
            try await staff.post("/orders/\(second)/status", [("status", "cancelled")])
            try await staff.get("/orders")
            let response = try await staff.post("/orders/bulk", [("action", "process"), ("ids[]", first), ("ids[]", second)])
            expectPage(response)
            #expect(response.text.contains("1 applied, 1 refused"))
            #expect(response.text.components(separatedBy: "bulk-refused").count == 2)
            #expect(try await customer.get("/orders/\(first)").text.contains("Processing"))
        }
    }

    @Test func theCSVExportIsTheAPIsForStaffOnly() async throws {
        let vendor = try await createAccount(role: .vendor)
        try await makeAccountsGateway().test(.router) { client in
            let customer = ConsoleBrowser(client)
            let (user, order, _) = try await customerWithOrder(customer)
            expectPage(try await customer.get("/orders/export.csv"), .forbidden)
            let staff = ConsoleBrowser(client)
            try await staff.signIn(vendor.username)
            let csv = try await staff.get("/orders/export.csv?user_id=\(user.id.uuidString.lowercased())")
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.text.hasPrefix("id,created_at,status") && csv.text.contains(order))
        }
    }

    @Test func aVendorKeepsTheCatalogAndOnlyAnAdminDeletes() async throws {
        let vendor = try await createAccount(role: .vendor)
        let admin = try await createAccount(role: .admin)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(vendor.username)
            try await browser.get("/manage/products/new")
            let sku = uniqueName("NEW").uppercased()
            let bad = try await browser.post(
                "/manage/products", [("sku", sku), ("name", "Lamp"), ("category", "Home"), ("price", "twelve")])
            expectPage(bad, .unprocessableContent)
            #expect(bad.text.contains("Price must be an amount like 12.50") && bad.text.contains(#"value="Lamp""#))
            let made = try await browser.post(
                "/manage/products", [("sku", sku), ("name", "Lamp"), ("category", "Home"), ("price", "12.50"), ("stock", "3")])
            #expect(made.status == .seeOther)
            try await browser.get("/manage/products/\(sku)")
            // A vendor's form has no active flag; sending one changes nothing.
            try await browser.post("/manage/products/\(sku)", [("name", "Lamp"), ("category", "Home"), ("price", "14.00"), ("stock", "3")])
            #expect(try await orders.scalar("SELECT CASE WHEN is_active THEN 1 ELSE 0 END FROM products WHERE sku = \(sku)") == 1)
            browser.forget()
            try await browser.signIn(admin.username)
            try await browser.get("/manage/products/\(sku)")
            try await browser.post("/manage/products/\(sku)", [("name", "Lamp"), ("category", "Home"), ("price", "14.00"), ("stock", "3")])
            #expect(try await orders.scalar("SELECT CASE WHEN is_active THEN 1 ELSE 0 END FROM products WHERE sku = \(sku)") == 0)
            #expect((try await browser.get("/manage/products?q=\(sku)")).text.contains("Deleted"))
            #expect(!(try await browser.get("/?q=\(sku)")).text.contains(#"class="sku mono">\#(sku)<"#))
        }
    }

    // MARK: Admin

    @Test func deactivatingACustomerEndsTheirConsoleSessionAtOnce() async throws {
        let admin = try await createAccount(role: .admin)
        try await makeAccountsGateway().test(.router) { client in
            let customer = ConsoleBrowser(client)
            let (user, _, _) = try await customerWithOrder(customer)
            let staff = ConsoleBrowser(client)
            try await staff.signIn(admin.username)
            try await staff.get("/admin/users")
            let response = try await staff.post("/admin/users/\(user.id.uuidString.lowercased())", [("action", "deactivate")])
            #expect(response.status == .seeOther)
            let after = try await customer.get("/orders")
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/login") == true)
            #expect(session(after)?.contains("Max-Age=0") == true, "the dead cookie is cleared")
        }
    }

    @Test func anAdminMakesAVendorAndCannotDemoteThemself() async throws {
        let admin = try await createAccount(role: .admin)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(admin.username)
            try await browser.get("/admin/users")
            let name = uniqueName("staff")
            let made = try await browser.post(
                "/admin/users", [("username", name), ("email", "\(name)@example.com"), ("password", "long-enough-1"), ("role", "vendor")]
            )
            #expect(made.status == .seeOther)
            let other = ConsoleBrowser(client)
            try await other.signIn(name, "long-enough-1")
            #expect((try await other.get("/dashboard")).text.contains("Vendor"))
            let own = try await browser.post(
                "/admin/users/\(admin.id.uuidString.lowercased())", [("action", "role"), ("role", "customer")])
            expectPage(own, .conflict)
            #expect(own.text.contains("Admins cannot demote or deactivate themselves"))
        }
    }

    @Test func theOperationsPageShowsTheQueueAndRunsTheReconciler() async throws {
        let admin = try await createAccount(role: .admin)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(admin.username)
            let page = try await browser.get("/admin/operations")
            expectPage(page)
            #expect(page.text.contains("Postgres: answering") && page.text.contains("Redis: answering"))
            let ran = try await browser.post("/admin/operations/reconcile")
            expectPage(ran)
            #expect(ran.text.contains("The reconciler ran"))
            expectPage(try await browser.post("/admin/operations/dead/no-such-job/retry"), .notFound)
        }
    }

    /// An admin adds an endpoint (a refused URL is shown beside its field with what was typed),
    /// sees its secret once, rotates it and deletes the endpoint; a vendor gets the 403 page.
    @Test func theWebhookPagesKeepEndpoints() async throws {
        let admin = try await createAccount(role: .admin)
        let vendor = try await createAccount(role: .vendor)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(vendor.username)
            expectPage(try await browser.get("/admin/webhooks"), .forbidden)
            browser.forget()
            try await browser.signIn(admin.username)
            expectPage(try await browser.get("/admin/webhooks"))
            let refused = try await browser.post(
                "/admin/webhooks", [("url", "https://127.0.0.1/hooks"), ("events[]", "order.created"), ("active", "on")])
            expectPage(refused, .unprocessableContent)
            #expect(refused.text.contains("resolves to a loopback address") && refused.text.contains("https://127.0.0.1/hooks"))
            // A public address literal: nothing is resolved or connected to when it is saved, and the
            // endpoint stays inactive, so no worker on these stores would ever deliver to it.
            let url = "https://1.1.1.1/hooks/\(UUID().uuidString.prefix(8))"
            let created = try await browser.post(
                "/admin/webhooks", [("url", url), ("events[]", "order.created"), ("events[]", "order.cancelled")])
            expectPage(created)
            #expect(created.text.contains("data-secret>whsec_"), "the secret, once")
            let list = try await browser.get("/admin/webhooks")
            #expect(list.text.contains(url) && !list.text.contains("whsec_"))
            let id = try #require(list.text.firstMatch(of: /href="\/admin\/webhooks\/([0-9a-f-]{36})"/)?.1).description
            let page = try await browser.get("/admin/webhooks/\(id)")
            expectPage(page)
            #expect(!page.text.contains("whsec_") && page.text.contains("Nothing sent yet"))
            let saved = try await browser.post(
                "/admin/webhooks/\(id)", [("action", "save"), ("url", url), ("events[]", "order.status_changed"), ("description", "ERP")])
            #expect(saved.status == .seeOther)
            let edited = try await browser.get("/admin/webhooks/\(id)")
            #expect(edited.text.contains("value=\"order.status_changed\" checked") && edited.text.contains("value=\"ERP\""))
            let rotated = try await browser.post("/admin/webhooks/\(id)", [("action", "rotate")])
            expectPage(rotated)
            #expect(rotated.text.contains("data-secret>whsec_"))
            let deleted = try await browser.post("/admin/webhooks/\(id)", [("action", "delete")])
            #expect(deleted.status == .seeOther)
            expectPage(try await browser.get("/admin/webhooks/\(id)"), .notFound)
        }
    }

    /// The outbox lists a customer's email with its subject (in its order's list, linked from the
    /// order's page), shows its headers and text part, and frames its HTML part from a sandboxed
    /// route; a pending one cannot be retried; a vendor gets the 403 page. (A worker test sends the same emails to a real SMTP server.)
    @Test func theOutboxShowsACustomersEmail() async throws {
        let admin = try await createAccount(role: .admin)
        let vendor = try await createAccount(role: .vendor)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            let orderID = try await customerWithOrder(browser).order
            let (email, recipient) = try await Self.emailDelivery(of: try #require(UUID(uuidString: orderID)))
            browser.forget()
            try await browser.signIn(vendor.username)
            expectPage(try await browser.get("/admin/outbox"), .forbidden)
            expectPage(try await browser.get("/admin/outbox/\(email)"), .forbidden)
            browser.forget()
            try await browser.signIn(admin.username)
            let all = try await browser.get("/admin/outbox")
            expectPage(all)
            #expect(all.text.contains("SMTP_URL</code> is not set"), "this gateway has no SMTP_URL: the page says email is off")
            // Other suites write emails at the same time: the order's own list is the one to read.
            #expect(try await browser.get("/orders/\(orderID)").text.contains(#"href="/admin/outbox?order=\#(orderID)""#))
            let list = try await browser.get("/admin/outbox?order=\(orderID)")
            expectPage(list)
            let subject = "Order \(orderID.prefix(8)) (#\(orderID.suffix(8))): placed"
            #expect(list.text.contains(#"href="/admin/outbox/\#(email)">\#(subject)</a>"#), "listed with its subject")
            #expect(list.text.contains("The emails about order"))
            let other = try await browser.get("/admin/outbox?order=\(UUID())")
            expectPage(other)
            #expect(!other.text.contains(#"href="/admin/outbox/\#(email)""#) && other.text.contains("No email yet"))
            expectPage(try await browser.get("/admin/outbox?order=not-an-id"), .notFound)
            let page = try await browser.get("/admin/outbox/\(email)")
            expectPage(page)
            #expect(page.text.contains(recipient) && page.text.contains("Hello ") && page.text.contains("Message-ID"))
            #expect(page.text.contains(#"<iframe class="email-frame" sandbox src="/admin/outbox/\#(email)/html""#))
            let html = try await browser.get("/admin/outbox/\(email)/html")
            #expect(html.status == .ok && html.text.contains("Thank you: we have your order."))
            let policy = html.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
            #expect(policy.contains("sandbox") && policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'self'"))
            let retried = try await browser.post("/admin/outbox/\(email)/retry")
            expectPage(retried, .conflict)
            expectPage(try await browser.get("/admin/outbox/\(UUID())"), .notFound)
            expectPage(try await browser.get("/admin/outbox/not-an-id"), .notFound)
        }
    }

    /// The email owed for `order`'s creation, once its event has a position and is dispatched
    /// (done here, as the relay and a worker's dispatcher would).
    static func emailDelivery(of order: UUID) async throws -> (id: String, recipient: String) {
        try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
            let events = OrderEventLog(database: postgres)
            let ledger = DeliveryLedger(database: postgres)
            for _ in 0..<100 {
                let found = try await postgres.query(
                    "SELECT id, target FROM deliveries WHERE order_id = \(order) AND kind = 'email'", logger: TestStores.logger
                ).first?.decode((UUID, String).self)
                if let found { return (found.0.uuidString.lowercased(), found.1) }
                _ = try await events.positionNext(limit: 1000, logger: TestStores.logger)
                _ = try await ledger.dispatchNext(limit: 1000, email: true, logger: TestStores.logger)
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("the order's email was never dispatched")
            throw CancellationError()
        }
    }

    /// The account page's checkbox turns status emails off (an unchecked box is "off") and on.
    @Test func statusEmailsAreSwitchedOnTheAccountPage() async throws {
        let customer = try await createAccount(role: .customer)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(customer.username)
            #expect(try await browser.get("/account").text.contains(#"name="email_notifications" checked"#))
            let off = try await browser.post("/account/profile", [("full_name", "Quiet"), ("email_notifications_shown", "1")])
            #expect(off.status == .seeOther)
            #expect(!(try await browser.get("/account").text.contains(#"name="email_notifications" checked"#)))
            _ = try await browser.post(
                "/account/profile", [("full_name", "Quiet"), ("email_notifications_shown", "1"), ("email_notifications", "on")])
            #expect(try await browser.get("/account").text.contains(#"name="email_notifications" checked"#))
        }
    }

    // MARK: Account

    @Test func aPasswordChangeNeedsTheCurrentOneAndEndsOtherSessions() async throws {
        let user = try await createAccount(role: .customer)
        try await makeAccountsGateway().test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(user.username)
            let elsewhere = try await client.login(user.username).access
            try await browser.get("/account")
            let wrong = try await browser.post("/account/password", [("current_password", "nope"), ("new_password", "another-horse")])
            expectPage(wrong, .unprocessableContent)
            #expect(wrong.text.contains("The current password is incorrect."))
            let changed = try await browser.post(
                "/account/password", [("current_password", "correct-horse"), ("new_password", "another-horse")])
            #expect(changed.status == .seeOther)
            expectPage(try await browser.get("/account"), .ok, "this session stays")
            #expect(try await client.send(.get, "/api/users/me", token: elsewhere).status == .unauthorized)
        }
    }
}
