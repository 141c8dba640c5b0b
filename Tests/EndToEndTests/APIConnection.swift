import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import ProcessSupport

/// One client's keep-alive connection to the load balancer, used as an HTTP client library
/// would: a request that finds its reused connection closed (nginx closes idle keep-alive
/// connections when it reloads) is sent once more on a new one. Safe for GETs, and for POSTs
/// only because every POST here carries an `Idempotency-Key`.
struct APIConnection {
    let port: Int
    private var client: TestClient?
    /// Requests answered on the current connection: a failure on a fresh one is never retried.
    private var answered = 0

    init(port: Int) {
        self.port = port
    }

    /// Sends one request; throws only on transport errors (closed, reset, timed out).
    mutating func send(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> TestClient.Response {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let request = TestClient.Request(
            path, method: method, authority: "127.0.0.1:\(port)", headers: headers, body: json.map { ByteBuffer(string: $0) })
        let reused = answered > 0
        do {
            return try await execute(request)
        } catch  where reused {
            return try await execute(request)
        }
    }

    private mutating func execute(_ request: TestClient.Request) async throws -> TestClient.Response {
        if client == nil {
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
            client.connect()
            self.client = client
        }
        do {
            // HummingbirdTesting's own timeout waits for the request it gave up on, forever if no
            // answer comes: a request left unanswered is abandoned here instead, and shows as a
            // transport error a minute long.
            let client = client!
            let response = try await Deadline.race(.seconds(65)) { try await client.execute(request) }
            answered += 1
            return response
        } catch {
            await close()
            throw error
        }
    }

    mutating func close() async {
        try? await client?.shutdown()
        client = nil
        answered = 0
    }
}

extension TestClient.Response {
    /// The body as a JSON object, when it is one.
    var json: [String: Any]? {
        guard let body else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
    }
}
