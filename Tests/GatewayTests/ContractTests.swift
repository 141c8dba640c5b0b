import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import OrderEmail
import Postgres
import PostgresNIO
import ProcessSupport
import Redis
import ServiceHTTP
import Store
import StoreClients
import TestSupport
import Testing

@testable import Gateway

/// The OpenAPI document against the code: the same routes, references that resolve, a checker
/// that catches what it must, and the document served.
@Suite("API contract", .timeLimit(.minutes(2)))
struct ContractTests {
    let contract = APIContract.shared

    // MARK: Helpers

    /// The router's routes as the document writes paths (`{id}`), each with its methods (with
    /// payments on: the document describes their routes too, 404 while they are off).
    func routerOperations() async throws -> Set<String> {
        let configuration = try GatewayConfiguration(
            settings: TestStores.settings([
                "PAYMENTS": "stripe", "STRIPE_API_BASE": "http://127.0.0.1:9", "STRIPE_SECRET_KEY": "sk_test_contract",
                "STRIPE_WEBHOOK_SECRET": "whsec_contract",
            ]))
        let postgres = Database(configuration: configuration.platform.postgres, logger: TestStores.logger)
        let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
        let accounts = buildAccounts(configuration, database: postgres, redis: redis)
        let routes = buildRouter(
            configuration, accounts: accounts, tokens: await buildTokens(configuration), database: postgres, redis: redis,
            health: StoreHealth(database: postgres, redis: redis), metrics: .init(), document: try APIDocument.bundled(),
            renderer: try await ConsoleRenderer.bundled(),
            emails: try await OrderEmails(configuration.platform)
        )
        var operations = Set<String>()
        for (path, methods) in routes.routes {
            let template = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            for method in methods { operations.insert("\(method.rawValue) /\(template)") }
        }
        return operations
    }

    var documentOperations: Set<String> {
        var operations = Set<String>()
        for (path, item) in contract.document["paths"]?.object ?? [:] {
            for method in ["get", "put", "post", "delete", "patch"] where item[method] != nil {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// Every `$ref` string anywhere in `value`.
    func references(in value: JSONValue) -> [String] {
        switch value {
        case .object(let object): object.flatMap { $0.key == "$ref" ? [$0.value.string ?? ""] : references(in: $0.value) }
        case .array(let array): array.flatMap(references(in:))
        default: []
        }
    }

    // MARK: The document

    @Test func theDocumentIsOpenAPI31AndEveryReferenceResolves() {
        #expect(contract.document["openapi"]?.string == "3.1.0")
        let references = references(in: contract.document)
        #expect(references.count > 100)
        for reference in Set(references) {
            #expect(contract.validator.resolve(reference) != nil, "\(reference) resolves")
        }
        #expect(contract.document["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"]?.string == "bearer")
    }

    @Test func theDocumentNamesEveryRouteAndNoOther() async throws {
        let router = try await routerOperations()
        let document = documentOperations
        #expect(router.count > 40)
        #expect(router.subtracting(document).sorted() == [], "routes the document does not describe")
        #expect(document.subtracting(router).sorted() == [], "operations the gateway does not serve")
    }

    // MARK: The checker

    @Test func theCheckerRefusesWhatTheDocumentDoesNotDescribe() {
        let product = """
            {"id":"0193a3d4-7b2c-7def-8abc-123456789abc","sku":"A-1","name":"A","description":null,"category":"Books",
             "price":"12.50","stock":3,"is_active":true,"image_url":null,"created_at":"2026-11-24T18:56:46.123+05:30",
             "updated_at":"2026-11-24T18:56:46.123+05:30"}
            """
        func check(_ body: String, status: Int = 200, type: String = "application/json", path: String = "/api/products/A-1") -> [String] {
            contract.violations(method: .get, path: path, status: status, contentType: type, body: ByteBuffer(string: body))
        }
        #expect(check(product) == [])
        #expect(check(product.replacingOccurrences(of: #""12.50""#, with: "12.5")).count == 1, "money must be a string")
        #expect(check(product.replacingOccurrences(of: #""stock":3,"#, with: "")).count == 1, "a required field missing")
        #expect(
            check(product.replacingOccurrences(of: #""stock":3,"#, with: #""stock":3,"secret":1,"#)).count == 1, "an undocumented field")
        #expect(check(product.replacingOccurrences(of: "+05:30", with: "")).count == 2, "timestamps need an offset")
        #expect(check(product, status: 418).count == 1, "an undeclared status")
        #expect(check(product, type: "text/plain").count == 1, "an undeclared content type")
        #expect(check(product, path: "/api/nothing").count == 1, "an operation that does not exist answering 200")
        let problem = #"{"type":"about:blank","title":"Not Found","status":404}"#
        #expect(check(problem, status: 404, type: "application/problem+json", path: "/api/nothing") == [])
        #expect(contract.template(for: "/api/orders/my") == "/api/orders/my")
        #expect(contract.template(for: "/api/orders/0193a3d4-7b2c-7def-8abc-123456789abc") == "/api/orders/{id}")
    }

    // MARK: Served

    @Test func theGatewayServesTheDocumentAndItsPage() async throws {
        let app = try await makeGateway()
        try await app.test(.router) { client in
            let json = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(json.status == .ok)
            #expect(json.headers[.contentType] == "application/json")
            let served = try JSONValue.parse(Data(buffer: json.body))
            #expect(served == contract.document)
            let yaml = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(yaml.status == .ok)
            #expect(String(buffer: yaml.body).hasPrefix("openapi: 3.1.0"))
            let page = try await client.execute(uri: "/docs", method: .get)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains(#"<script src="/docs/assets/init.js"></script>"#))
            let start = try await client.execute(uri: "/docs/assets/init.js", method: .get)
            #expect(String(buffer: start.body).contains(#"url: "/openapi.json""#))
        }
    }
}
