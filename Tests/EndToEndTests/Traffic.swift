import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Order traffic as careful clients make it, every request recorded: each client registers,
/// signs in, and places orders one after another; an order is retried with its
/// `Idempotency-Key` after a transport error, a 5xx, a 409 "still in progress" or a 429, and
/// after signing in again on a 401 (the sessions may have been flushed), until it is placed.
/// With `pays`, each client then pays for its order (`pm_card_visa`) as doggedly, until the
/// payment is authorised.
final class Traffic: Sendable {
    /// One request and its answer (`status` 0: no answer).
    struct Attempt: Sendable, CustomStringConvertible {
        var kind: String
        var start: Double
        var end: Double
        var status: Int
        var problem: Bool

        var description: String {
            String(format: "%@ %d (problem %@) at %.3f for %.3f s", kind, status, problem ? "yes" : "no", start, end - start)
        }
    }

    /// An order a client was told was placed.
    struct Placed: Sendable {
        var key: String
        var id: String
    }

    let port: Int
    let products: Int
    let pays: Bool
    let attempts = Shared<[Attempt]>([])
    let orders = Shared<[Placed]>([])
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    init(port: Int, products: Int, pays: Bool = false) {
        self.port = port
        self.products = products
        self.pays = pays
    }

    /// One client's loop until `stop`; the order under way when `stop` comes is still finished.
    func client(_ index: Int, until stop: Shared<Bool>) async {
        var connection = APIConnection(port: port)
        let name = "chaos\(index)_\(UUID().uuidString.prefix(8).lowercased())"
        let account = #"{"username":"\#(name)","password":"correct-horse","email":"\#(name)@example.com"}"#
        for _ in 0..<600 {
            let code = await send(&connection, "register", .post, "/api/auth/register", json: account)?.status.code
            if code == 201 || code == 409 { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        var token = await login(&connection, name)
        while !stop.value {
            let key = UUID().uuidString
            let lines = (1...3).map { _ in #"{"product_sku":"CHAOS-\#(Int.random(in: 1...products))","quantity":\#(Int.random(in: 1...3))}"#
            }
            let body =
                #"{"customer_name":"Chaos","customer_email":"chaos@example.com","shipping_address":"1 Fault Line","items":[\#(lines.joined(separator: ","))]}"#
            for _ in 0..<600 {
                let response = await send(
                    &connection, "create", .post, "/api/orders", token: token, json: body, headers: [Self.idempotencyKey: key])
                if response?.status == .created, let id = response?.json?["id"] as? String {
                    orders.update { $0.append(Placed(key: key, id: id)) }
                    if pays { await pay(id, &connection, name, &token) }
                    break
                }
                if response?.status == .unauthorized {
                    token = await login(&connection, name)
                } else {
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        await connection.close()
    }

    /// Pays for order `id` with Stripe's test Visa until the payment is authorised: retried after
    /// a transport error, a 5xx (the provider away: 503) or a 429; a 409 means an earlier try
    /// went through (its answer lost) and the payment is no longer payable.
    func pay(_ id: String, _ connection: inout APIConnection, _ name: String, _ token: inout String) async {
        for _ in 0..<600 {
            let response = await send(
                &connection, "pay", .post, "/api/orders/\(id)/payment", token: token, json: #"{"payment_method":"pm_card_visa"}"#)
            switch response?.status.code {
            case 200, 409: return
            case 401: token = await login(&connection, name)
            default: try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Signs in, again and again while the stores are away; returns the access token.
    func login(_ connection: inout APIConnection, _ name: String) async -> String {
        for _ in 0..<600 {
            let response = await send(
                &connection, "login", .post, "/api/auth/login", json: #"{"username":"\#(name)","password":"correct-horse"}"#)
            if response?.status == .ok, let token = response?.json?["access_token"] as? String { return token }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return ""
    }

    /// Sends one request and records it; nil on a transport error (the connection is renewed).
    func send(
        _ connection: inout APIConnection, _ kind: String, _ method: HTTPRequest.Method, _ path: String,
        token: String? = nil, json: String? = nil, headers: HTTPFields = [:]
    ) async -> TestClient.Response? {
        let start = Date().timeIntervalSince1970
        do {
            let response = try await connection.send(method, path, token: token, json: json, headers: headers)
            attempts.update {
                $0.append(
                    Attempt(
                        kind: kind, start: start, end: Date().timeIntervalSince1970, status: Int(response.status.code),
                        problem: response.headers[.contentType] == "application/problem+json"
                    ))
            }
            return response
        } catch {
            attempts.update { $0.append(Attempt(kind: kind, start: start, end: Date().timeIntervalSince1970, status: 0, problem: false)) }
            await connection.close()
            return nil
        }
    }
}
