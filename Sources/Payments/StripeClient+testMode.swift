import Logging

extension StripeClient {
    /// Whether this client talks to a localstripe on this machine (a loopback `http` base), whose
    /// test-only `_authenticate` stands in for the payer's 3-D Secure page.
    public var isLocalTestProvider: Bool {
        configuration.apiBase.hasPrefix("http://127.0.0.1:") || configuration.apiBase.hasPrefix("http://localhost:")
            || configuration.apiBase.hasPrefix("http://[::1]:")
    }

    /// Whether payments here are test payments: a test key (`sk_test_`, `rk_test_`) or a local test
    /// provider. Only then are the provider's test payment methods named to a payer.
    public var isTestMode: Bool {
        isLocalTestProvider || configuration.secretKey.hasPrefix("sk_test_") || configuration.secretKey.hasPrefix("rk_test_")
    }

    /// Completes (or fails) an intent's 3-D Secure step as the payer's browser would, on
    /// localstripe only (`POST /v1/payment_intents/{id}/_authenticate`): Stripe's own step is a
    /// page of the card issuer that only Stripe.js or a redirect reaches.
    public func authenticateForTesting(
        _ id: String, clientSecret: String, success: Bool, logger: Logger
    ) async throws(PaymentProviderError) -> PaymentIntent {
        guard isLocalTestProvider else { throw PaymentProviderError(.invalidRequest, message: "not a local test provider") }
        return try await call(
            .POST, "/v1/payment_intents/\(try Self.pathSegment(id))/_authenticate",
            [("client_secret", clientSecret), ("success", success ? "true" : "false")], idempotencyKey: nil, logger: logger)
    }
}
