import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Postgres
import PostgresNIO
import Redis
import Store
import TestSupport
import Testing

@testable import Gateway

/// Limits high enough that parallel tests sharing one Redis never trip them by accident.
let generousLimits = [
    "RATE_LIMIT_LOGIN_IP": "100000/min", "RATE_LIMIT_LOGIN_USER": "100000/min",
    "RATE_LIMIT_REGISTER_IP": "100000/min", "RATE_LIMIT_ANONYMOUS": "100000/s", "RATE_LIMIT_USER": "100000/s",
]

/// A gateway with generous limits unless `overrides` say otherwise.
func makeAccountsGateway(_ overrides: [String: String] = [:]) async throws -> some ApplicationProtocol {
    try await makeGateway(generousLimits.merging(overrides) { _, new in new })
}

/// A fresh username, so tests never collide on the shared database or rate-limit keys.
func uniqueName(_ prefix: String = "u") -> String {
    prefix + "_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
}

/// Creates an account of any role straight through the account rules (as the CLI does).
@discardableResult
func createAccount(
    role: Role, username: String = uniqueName(), password: String = "correct-horse", databaseURL: String? = nil
) async throws -> User {
    let configuration = try GatewayConfiguration(settings: TestStores.settings())
    return try await TestStores.withDatabase(url: try await TestStores.migrated(or: databaseURL)) { postgres in
        let redis = RedisClient(configuration: configuration.platform.redis, logger: TestStores.logger)
        let accounts = buildAccounts(configuration, database: postgres, redis: redis)
        return try await accounts.create(
            .init(username: username, email: "\(username)@example.com", password: password, role: role), logger: TestStores.logger
        )
    }
}

/// How many users have this username (to prove a refused request wrote nothing).
func userCount(username: String) async throws -> Int {
    try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
        try await postgres.scalar("SELECT count(*) FROM users WHERE lower(username) = lower(\(username))") ?? 0
    }
}

extension TestClientProtocol {
    /// POSTs `json` and returns the response.
    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Logs in and returns (access token, refresh token); fails the test on anything but 200.
    func login(_ username: String, _ password: String = "correct-horse", headers: HTTPFields = [:]) async throws -> (
        access: String, refresh: String
    ) {
        let response = try await post("/api/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#, headers: headers)
        #expect(response.status == .ok, "login of \(username) gave \(response.status)")
        let body = try #require(response.json)
        return (try #require(body["access_token"] as? String), try #require(body["refresh_token"] as? String))
    }
}

/// The claims part of a JWT, decoded, for tests that forge tokens.
func jwtPayload(_ token: String) throws -> [String: Any] {
    var part = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while part.count % 4 != 0 { part += "=" }
    let data = try #require(Data(base64Encoded: part))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
        of: "=", with: "")
}
