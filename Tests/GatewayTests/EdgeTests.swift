import Foundation
import HTTPTypes
import HummingbirdTesting
import ServiceHTTP
import TestSupport
import Testing

@testable import Gateway

@Suite("Errors, request ids and CORS at the edge", .timeLimit(.minutes(2)))
struct EdgeTests {
    @Test func unknownRouteIsProblemJSON() async throws {
        let app = try await makeGateway()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: response.body))
                #expect(problem.status == 404)
                #expect(problem.title == "Not Found")
            }
        }
    }

    @Test func wrongMethodOnAKnownPathIs405WithAllow() async throws {
        let app = try await makeGateway()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/auth/login", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/api/users/0190b8a0-0000-7000-8000-000000000000", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow]?.contains("DELETE") == true)
            }
        }
    }

    @Test func anEncodedNULAnywhereInTheURLIs400AndNothingElseIs() async throws {
        for uri in ["/api/orders/%00", "/api/products?q=a%00b", "/api/products?q=%2500%"] {
            #expect(NULCharacterMiddleware<AppRequestContext>.containsEncodedNUL(uri) == !uri.contains("%25"), "\(uri)")
        }
        #expect(!NULCharacterMiddleware<AppRequestContext>.containsEncodedNUL("/api/products?q=%0%20%"))
        let app = try await makeGateway()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/products?q=a%00b", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.contentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test func echoesASaneRequestIDAndReplacesABadOne() async throws {
        let app = try await makeGateway()
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get, headers: [.requestID: "trace-abc-123"]) { response in
                #expect(response.headers[.requestID] == "trace-abc-123")
            }
            try await client.execute(uri: "/health/live", method: .get, headers: [.requestID: "evil\u{7F}id"]) { response in
                let id = try #require(response.headers[.requestID])
                #expect(id != "evil\u{7F}id")
                #expect(!id.isEmpty)
            }
            try await client.execute(uri: "/api/nope", method: .get) { response in
                #expect(response.headers[.requestID]?.isEmpty == false)
            }
        }
    }

    @Test func corsAnswersOnlyConfiguredOrigins() async throws {
        let app = try await makeGateway(["ALLOWED_ORIGINS": #"["https://shop.example"]"#])
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/health", method: .get, headers: [.origin: "https://shop.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://shop.example")
            }
            try await client.execute(uri: "/api/health", method: .get, headers: [.origin: "https://evil.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(
                uri: "/api/health", method: .options,
                headers: [.origin: "https://shop.example", .accessControlRequestMethod: "GET"]
            ) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://shop.example")
            }
        }
    }
}
