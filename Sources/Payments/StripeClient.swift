import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Stripe's HTTP API, the calls the platform makes: PaymentIntents with manual capture,
/// refunds, and reading both back. Every call that changes money carries the caller's
/// idempotency key (Stripe answers a repeat with the first answer); every answer is decoded
/// or turned into a ``PaymentProviderError``. Speaks to `localstripe` the same way.
public struct StripeClient: Sendable {
    public struct Configuration: Sendable {
        /// `STRIPE_API_BASE`: `https://api.stripe.com`, or a localstripe's `http://127.0.0.1:PORT`.
        public var apiBase: String
        /// `STRIPE_SECRET_KEY` (`sk_test_…`, `sk_live_…`); sent as a bearer token, never logged.
        public var secretKey: String
        /// How long one call may take, connecting included.
        public var timeout: Duration

        public init(apiBase: String, secretKey: String, timeout: Duration = .seconds(10)) {
            self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
            self.secretKey = secretKey
            self.timeout = timeout
        }
    }

    /// The API version the decoding is written for (Stripe answers in the account's default
    /// version otherwise, whose shapes may differ).
    public static let apiVersion = "2024-06-20"
    /// The largest answer read (a refunds list is the largest the platform asks for).
    static let maximumAnswer = 1 << 20

    let http: HTTPClient
    public let configuration: Configuration

    public init(http: HTTPClient, configuration: Configuration) {
        self.http = http
        self.configuration = configuration
    }

    // MARK: PaymentIntents

    /// Creates the intent of an order: `amount` minor units of `currency`, captured later by
    /// ``capture(_:amount:idempotencyKey:logger:)``, card payments, the order's id in metadata.
    public func createIntent(
        amount: Int64, currency: String, orderID: String, idempotencyKey: String, logger: Logger
    ) async throws(PaymentProviderError) -> PaymentIntent {
        try await call(
            .POST, "/v1/payment_intents",
            [
                ("amount", String(amount)), ("currency", currency.lowercased()), ("capture_method", "manual"),
                ("payment_method_types[]", "card"), ("metadata[order_id]", orderID),
            ],
            idempotencyKey: idempotencyKey, logger: logger)
    }

    /// The intent as the provider holds it now.
    public func intent(_ id: String, logger: Logger) async throws(PaymentProviderError) -> PaymentIntent {
        try await call(.GET, "/v1/payment_intents/\(try Self.pathSegment(id))", [], idempotencyKey: nil, logger: logger)
    }

    /// Sets the payment method an intent is to be confirmed with. (localstripe refuses a
    /// method given to `/confirm` itself; Stripe takes it either way.)
    public func setPaymentMethod(
        _ method: String, on id: String, idempotencyKey: String, logger: Logger
    ) async throws(PaymentProviderError) -> PaymentIntent {
        try await call(
            .POST, "/v1/payment_intents/\(try Self.pathSegment(id))", [("payment_method", method)], idempotencyKey: idempotencyKey,
            logger: logger)
    }

    /// Confirms an intent with the method set on it: `requires_capture` when authorised,
    /// `requires_action` when the payer must authenticate; a decline is `.declined`.
    public func confirm(_ id: String, idempotencyKey: String, logger: Logger) async throws(PaymentProviderError) -> PaymentIntent {
        try await call(
            .POST, "/v1/payment_intents/\(try Self.pathSegment(id))/confirm", [], idempotencyKey: idempotencyKey, logger: logger)
    }

    /// Captures an authorised intent: `amount` minor units, or all of it when nil.
    public func capture(
        _ id: String, amount: Int64? = nil, idempotencyKey: String, logger: Logger
    ) async throws(PaymentProviderError) -> PaymentIntent {
        try await call(
            .POST, "/v1/payment_intents/\(try Self.pathSegment(id))/capture",
            amount.map { [("amount_to_capture", String($0))] } ?? [], idempotencyKey: idempotencyKey, logger: logger)
    }

    /// Cancels an intent not captured yet: an authorisation is released (voided).
    public func cancel(_ id: String, idempotencyKey: String, logger: Logger) async throws(PaymentProviderError) -> PaymentIntent {
        try await call(
            .POST, "/v1/payment_intents/\(try Self.pathSegment(id))/cancel", [], idempotencyKey: idempotencyKey, logger: logger)
    }

    // MARK: Refunds

    /// Refunds `amount` minor units of a captured intent. `metadata` carries the platform's
    /// refund id and reason (Stripe's own `reason` takes three fixed words only).
    public func refund(
        intent: String, amount: Int64, metadata: [(String, String)], idempotencyKey: String, logger: Logger
    ) async throws(PaymentProviderError) -> ProviderRefund {
        try await call(
            .POST, "/v1/refunds",
            [("payment_intent", intent), ("amount", String(amount))] + metadata.map { ("metadata[\($0.0)]", $0.1) },
            idempotencyKey: idempotencyKey, logger: logger)
    }

    /// The refunds of an intent, newest first (up to 100: more than the platform ever makes).
    public func refunds(of intent: String, logger: Logger) async throws(PaymentProviderError) -> [ProviderRefund] {
        let list: ProviderList<ProviderRefund> = try await call(
            .GET, "/v1/refunds", [("payment_intent", intent), ("limit", "100")], idempotencyKey: nil, logger: logger)
        return list.data
    }

    // MARK: The call

    /// One request: form-encoded parameters (in the query for a GET), the key as a bearer
    /// token, the idempotency key for a POST; the answer decoded or its error mapped.
    func call<Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, _ parameters: [(String, String)], idempotencyKey: String?, logger: Logger
    ) async throws(PaymentProviderError) -> Answer {
        let form = FormEncoding.encode(parameters)
        var request = HTTPClientRequest(url: configuration.apiBase + path + (method == .GET && !form.isEmpty ? "?" + form : ""))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer " + configuration.secretKey)
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        request.headers.add(name: "Accept", value: "application/json")
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        let status: Int
        let body: ByteBuffer
        let requestID: String?
        do {
            let (seconds, attoseconds) = configuration.timeout.components
            let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            let response = try await http.execute(request, timeout: timeout, logger: logger)
            status = Int(response.status.code)
            requestID = response.headers.first(name: "Request-Id")
            body = try await response.body.collect(upTo: Self.maximumAnswer)
        } catch {
            // No answer (refused, reset, timed out, too large): it may or may not have been applied.
            logger.warning(
                "payment provider did not answer", metadata: ["payment.path": "\(path)", "error.type": "\(type(of: error))"])
            throw PaymentProviderError(.unavailable)
        }
        guard (200..<300).contains(status) else {
            let detail = try? JSONDecoder().decode(StripeErrorBody.self, from: body)
            let error = PaymentProviderError.answer(status: status, body: detail)
            logger.notice(
                "payment provider refused a call",
                metadata: [
                    "payment.path": "\(path)", "http.status": "\(status)", "payment.error_code": "\(error.providerCode ?? "")",
                    "payment.request_id": "\(requestID ?? "")",
                ])
            throw error
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: body)
        } catch {
            logger.warning("payment provider's answer could not be read", metadata: ["payment.path": "\(path)"])
            throw PaymentProviderError(.unavailable, status: status, message: "unreadable answer")
        }
    }

    /// Whether `text` can be a Stripe id: 1–255 letters, digits and `_` (`pi_…`, `pm_card_visa`).
    public static func isID(_ text: String) -> Bool {
        (1...255).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }

    /// An id as one path segment: anything that cannot name an object at Stripe must not reach
    /// the URL.
    static func pathSegment(_ id: String) throws(PaymentProviderError) -> String {
        guard isID(id) else { throw PaymentProviderError(.notFound) }
        return id
    }
}
