import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Redis
import ServiceHTTP
import Store
import Testing

@Suite("Problem responses", .timeLimit(.minutes(2)))
struct ProblemMiddlewareTests {
    struct InternalSecretError: Error {
        var sql = "SELECT password_hash FROM users"
    }

    func app() -> some ApplicationProtocol {
        let router = Router()
        router.addMiddleware {
            ProblemMiddleware()
        }
        router.get("/boom") { _, _ -> String in throw InternalSecretError() }
        router.get("/redis") { _, _ -> String in throw RedisError(.connectionFailed, "127.0.0.1:6379 refused") }
        return Application(router: router)
    }

    @Test func unexpectedErrorsAre500WithoutInternalText() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType] == "application/problem+json")
                let text = String(buffer: response.body)
                #expect(!text.contains("SELECT"))
                #expect(!text.contains("InternalSecretError"))
                let problem = try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: response.body))
                #expect(problem.status == 500)
            }
        }
    }

    @Test func storeFailuresAre503WithRetryAfter() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/redis", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(!String(buffer: response.body).contains("6379"))
            }
        }
    }
}
