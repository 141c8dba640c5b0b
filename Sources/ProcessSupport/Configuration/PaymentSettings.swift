import Foundation

/// Whether orders are paid for, and through which provider (`PAYMENTS`): off keeps v1's
/// behaviour; `stripe` speaks Stripe's API at `STRIPE_API_BASE` (localstripe in `make dev`).
public struct PaymentSettings: Sendable {
    public enum Provider: String, CaseIterable, Sendable {
        case off, stripe
    }

    /// `PAYMENTS`: `off` (the default) or `stripe`.
    public var provider: Provider
    /// `STRIPE_API_BASE`: `https://api.stripe.com` unless a local provider is named (plain
    /// `http` only to a loopback address: the key travels in every request).
    public var apiBase: String
    /// `STRIPE_SECRET_KEY` (`sk_…` or a restricted `rk_…`): required with `stripe`.
    public var secretKey: String?
    /// `STRIPE_WEBHOOK_SECRET`: the signing secret of the provider's webhooks to the gateway;
    /// two, comma-separated, while one is rolled over (either signature is accepted).
    public var webhookSecrets: [String]
    /// `PAYMENT_TIMEOUT_SECONDS`: an order not authorised this long after it was placed is
    /// cancelled (`payment not received`) and its stock returned.
    public var timeoutSeconds: Int

    public var enabled: Bool { provider != .off }

    public init(settings: Settings) throws(ConfigurationError) {
        provider = try settings.choice("PAYMENTS", default: Provider.off)
        apiBase = settings.string("STRIPE_API_BASE", default: "https://api.stripe.com")
        secretKey = settings.string("STRIPE_SECRET_KEY", isSecret: true)
        webhookSecrets = try settings.list("STRIPE_WEBHOOK_SECRET")
        timeoutSeconds = try settings.int("PAYMENT_TIMEOUT_SECONDS", default: 1800, range: 10...30 * 86_400)
        guard provider == .stripe else { return }
        guard let url = URL(string: apiBase), let host = url.host, url.scheme == "https" || url.scheme == "http",
            url.query == nil, url.user == nil
        else {
            throw ConfigurationError(key: "STRIPE_API_BASE", reason: "must be an http(s) URL with a host and no query")
        }
        guard url.scheme == "https" || Self.loopbackHosts.contains(host) else {
            throw ConfigurationError(key: "STRIPE_API_BASE", reason: "must be https unless it names a loopback address")
        }
        guard let secretKey, secretKey.hasPrefix("sk_") || secretKey.hasPrefix("rk_") else {
            throw ConfigurationError(key: "STRIPE_SECRET_KEY", reason: "is required with PAYMENTS=stripe (a secret key, sk_… or rk_…)")
        }
        guard !webhookSecrets.isEmpty else {
            throw ConfigurationError(
                key: "STRIPE_WEBHOOK_SECRET", reason: "is required with PAYMENTS=stripe (the webhook endpoint's signing secret)")
        }
    }

    static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]
}
