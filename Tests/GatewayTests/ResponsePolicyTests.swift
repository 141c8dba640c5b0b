import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProcessSupport
import Prometheus
import ServiceHTTP
import Store
import TestSupport
import Testing

@testable import Gateway

/// What every response says about itself (caching, sniffing), which bodies the API reads, where
/// metrics and the API viewer are served, and the signing key of a development gateway.
@Suite("Response policy", .timeLimit(.minutes(2)))
struct ResponsePolicyTests {
    // MARK: Headers

    @Test func everyResponseIsNosniffAndAccountDataIsNeverCached() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let login = try await client.post("/api/auth/login", json: #"{"username":"\#(user.username)","password":"correct-horse"}"#)
            let token = try #require(login.json?["access_token"] as? String)
            let responses = [
                login,
                try await client.send(.get, "/api/auth/me", token: token),
                try await client.send(.get, "/api/orders/my", token: token),
                try await client.send(.get, "/api/nope"),
                try await client.send(.get, "/health/live"),
            ]
            for response in responses {
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(response.status)")
                #expect(response.headers[.cacheControl] == "no-store", "\(response.status)")
            }
        }
    }

    /// The edge adds each of its fields once: beside a handler's own caching policy, and in place
    /// of a handler's own sniffing field.
    @Test func theEdgesFieldsAreAddedOnceAndKeepAHandlersCaching() async throws {
        let router = Router()
        router.add(middleware: ResponseHeadersMiddleware<BasicRequestContext>())
        router.get("/plain") { _, _ in "x" }
        router.get("/cached") { _, _ in Response(status: .ok, headers: [.cacheControl: "max-age=60"]) }
        router.get("/sniffing") { _, _ in Response(status: .ok, headers: [.contentTypeOptions: "other"]) }
        let expected: [String: (nosniff: [String], caching: [String])] = [
            "/plain": (["nosniff"], ["no-store"]),
            "/cached": (["nosniff"], ["max-age=60"]),
            "/sniffing": (["nosniff"], ["no-store"]),
        ]
        try await Application(router: router).test(.router) { client in
            for (path, fields) in expected {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.headers[values: .contentTypeOptions] == fields.nosniff, "\(path)")
                    #expect(response.headers[values: .cacheControl] == fields.caching, "\(path)")
                }
            }
        }
    }

    /// A cross-site form can send only form or text bodies: none of them reaches an operation.
    @Test(arguments: [
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "application/xml", nil,
    ])
    func aBodyThatIsNotJSONIs415(contentType: String?) async throws {
        let name = uniqueName()
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            var headers: HTTPFields = [:]
            if let contentType { headers[.contentType] = contentType }
            let body = #"{"username":"\#(name)","email":"\#(name)@example.com","password":"correct-horse"}"#
            let response = try await client.execute(uri: "/api/auth/register", method: .post, headers: headers, body: .init(string: body))
            #expect(response.status == .unsupportedMediaType)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try await userCount(username: name) == 0)
        }
    }

    @Test func jsonWithParametersIsRead() async throws {
        let name = uniqueName()
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let body = #"{"username":"\#(name)","email":"\#(name)@example.com","password":"correct-horse"}"#
            let response = try await client.execute(
                uri: "/api/auth/register", method: .post, headers: [.contentType: "Application/JSON; charset=utf-8"],
                body: .init(string: body)
            )
            #expect(response.status == .created)
        }
    }

    /// The console's cookie (or any cookie) never authenticates an API call.
    @Test func theAPINeverReadsCookies() async throws {
        let user = try await createAccount(role: .customer)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(user.username).access
            let response = try await client.execute(
                uri: "/api/auth/me", method: .get, headers: [.cookie: "session=\(token); token=\(token)"])
            #expect(response.status == .unauthorized)
        }
    }

    // MARK: Metrics

    @Test func metricsAreOnTheMonitoringPortOnly() async throws {
        let api = try await makeGateway()
        try await api.test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .notFound)
        }
        let configuration = try GatewayConfiguration(settings: TestStores.settings())
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "probe_total").increment()
        let monitoring = buildMonitoringServer(configuration, metrics: registry, logger: TestStores.logger)
        try await monitoring.test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(String(buffer: response.body).contains("probe_total 1"))
        }
    }

    // MARK: API viewer

    @Test func theViewerIsServedFromTheGatewaysOwnCopy() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swagger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "window.SwaggerUIBundle = function () {};".write(
            to: folder.appendingPathComponent("swagger-ui-bundle.js"), atomically: true, encoding: .utf8)
        try ".swagger-ui {}".write(to: folder.appendingPathComponent("swagger-ui.css"), atomically: true, encoding: .utf8)
        let app = try await makeGateway(["SWAGGER_UI_DIR": folder.path])
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/docs", method: .get)
            let html = String(buffer: page.body)
            #expect(html.contains(#"src="/docs/assets/swagger-ui-bundle.js""#))
            #expect(!html.contains("cdn.jsdelivr.net"))
            #expect(Self.inlineScripts(html) == 0)
            let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("script-src 'self';") && policy.contains("frame-ancestors 'none'"))
            let bundle = try await client.execute(uri: "/docs/assets/swagger-ui-bundle.js", method: .get)
            #expect(String(buffer: bundle.body) == "window.SwaggerUIBundle = function () {};")
            let start = String(buffer: try await client.execute(uri: "/docs/assets/init.js", method: .get).body)
            #expect(start.contains("persistAuthorization: false"))
            #expect(try await client.execute(uri: "/docs/assets/other.js", method: .get).status == .notFound)
        }
    }

    @Test func withoutALocalCopyTheViewerUsesAPinnedCDNWithIntegrity() async throws {
        let app = try await makeGateway(["SWAGGER_UI_DIR": "/nonexistent-\(UUID().uuidString)"])
        try await app.test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/docs", method: .get).body)
            #expect(html.contains("swagger-ui-dist@\(SwaggerUIAssets.version)/swagger-ui-bundle.js"))
            #expect(html.contains(#"integrity="\#(SwaggerUIAssets.bundleIntegrity)""#))
            #expect(html.contains(#"integrity="\#(SwaggerUIAssets.stylesIntegrity)""#))
            #expect(Self.inlineScripts(html) == 0)
            #expect(try await client.execute(uri: "/docs/assets/swagger-ui-bundle.js", method: .get).status == .notFound)
        }
    }

    /// `<script>` elements without a `src`.
    static func inlineScripts(_ html: String) -> Int {
        html.components(separatedBy: "<script").dropFirst().filter { !$0.hasPrefix(" src=") }.count
    }

    // MARK: Payments

    /// A gateway asked to charge starts with its provider's key and webhook secret, and refuses
    /// to start without the key rather than take orders it could not charge.
    @Test func aGatewayAskedToChargeNeedsItsProvidersKey() async throws {
        var values = [
            "ENV": "development", "DATABASE_URL": TestStores.databaseURL, "REDIS_URL": TestStores.redisURL, "PAYMENTS": "stripe",
            "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": "http://127.0.0.1:9",
        ]
        let configuration = try GatewayConfiguration(settings: Settings.from(values))
        #expect(configuration.platform.orderRules.paymentProvider == "stripe")
        values["STRIPE_SECRET_KEY"] = nil
        let error = #expect(throws: ConfigurationError.self) { try GatewayConfiguration(settings: Settings.from(values)) }
        #expect(error?.key == "STRIPE_SECRET_KEY")
    }

    // MARK: Signing key

    @Test func aDevelopmentGatewayWithoutAKeyMakesUpItsOwn() throws {
        var values = ["ENV": "development", "DATABASE_URL": TestStores.databaseURL, "REDIS_URL": TestStores.redisURL]
        let first = try GatewayConfiguration(settings: Settings.from(values))
        let second = try GatewayConfiguration(settings: Settings.from(values))
        #expect(first.secretKeyIsEphemeral && second.secretKeyIsEphemeral)
        #expect(first.secretKey != second.secretKey)
        #expect(first.secretKey.utf8.count >= 32)
        #expect(first.secretKey != "development-only-secret-key-change-me-0123456789", "the key once published in the source")
        values["SECRET_KEY"] = String(repeating: "k", count: 40)
        let given = try GatewayConfiguration(settings: Settings.from(values))
        #expect(!given.secretKeyIsEphemeral && given.secretKey == values["SECRET_KEY"])
        values["ENV"] = "production"
        values["SECRET_KEY"] = nil
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration(settings: Settings.from(values)) }
    }

    /// `stack.sh` (behind `make dev`) makes one random key per stack on its first start, kept
    /// private in the git-ignored data folder, and gives it to every gateway of the stack.
    @Test func theLocalStackGeneratesOnePrivateKey() async throws {
        let name = "keytest-\(UUID().uuidString.prefix(8).lowercased())"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent(".data/\(name)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = root.appendingPathComponent("ops/local/stack.sh").path
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "STACK": name]
        #expect(try await ChildProcess.run("/bin/bash", [script, "status"], environment: environment).status == 0)
        let file = folder.appendingPathComponent("secret_key").path
        let key = try String(contentsOfFile: file, encoding: .utf8)
        #expect(key.utf8.count >= 32)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await ChildProcess.run("/bin/bash", [script, "status"], environment: environment).status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == key, "kept across starts")
    }
}
