import Store

/// The gateway's own settings, on top of what it shares with the workers.
struct GatewayConfiguration: Sendable {
    var platform: PlatformConfiguration
    var host: String
    var port: Int
    /// HS256 key for access tokens; at least 32 bytes outside development.
    var secretKey: String
    var accessTokenMinutes: Int
    var refreshTokenDays: Int
    /// CORS origins; `*` allows any.
    var allowedOrigins: [String]
    var trustedProxies: TrustedProxies
    /// bcrypt work factor; at least 10 outside tests.
    var bcryptCost: Int
    var rateLimits: RateLimits
    /// The admin created at start when both are set (idempotent across concurrent starts).
    var bootstrapAdmin: (email: String, password: String)?

    /// The configured rate-limit policies (API.md's defaults).
    struct RateLimits: Sendable {
        var loginPerIP: RateLimitPolicy
        var loginPerUser: RateLimitPolicy
        var registerPerIP: RateLimitPolicy
        var anonymousPerIP: RateLimitPolicy
        var authenticatedPerUser: RateLimitPolicy

        init(settings: Settings) throws(ConfigurationError) {
            func policy(_ name: String, _ fallback: String) throws(ConfigurationError) -> RateLimitPolicy {
                try RateLimitPolicy(name: name, parsing: settings.string("RATE_LIMIT_" + name.uppercased(), default: fallback))
            }
            loginPerIP = try policy("login_ip", "10/min")
            loginPerUser = try policy("login_user", "5/min")
            registerPerIP = try policy("register_ip", "10/h")
            anonymousPerIP = try policy("anonymous", "20/s:50")
            authenticatedPerUser = try policy("user", "50/s:100")
        }
    }

    /// A fixed key for development only, so several dev gateways accept each other's tokens.
    static let developmentSecretKey = "development-only-secret-key-change-me-0123456789"

    init(settings: Settings) throws(ConfigurationError) {
        platform = try PlatformConfiguration(settings: settings)
        host = settings.string("HOST", default: "127.0.0.1")
        port = try settings.int("PORT", default: 8000, range: 0...65_535)
        if let key = settings.string("SECRET_KEY", isSecret: true) {
            guard key.utf8.count >= 32 || platform.environment != .production else {
                throw ConfigurationError(key: "SECRET_KEY", reason: "must be at least 32 bytes long")
            }
            secretKey = key
        } else if platform.environment != .production {
            secretKey = Self.developmentSecretKey
        } else {
            throw ConfigurationError(key: "SECRET_KEY", reason: "is required (at least 32 bytes) unless ENV=development")
        }
        accessTokenMinutes = try settings.int("ACCESS_TOKEN_EXPIRE_MINUTES", default: 15, range: 1...1440)
        refreshTokenDays = try settings.int("REFRESH_TOKEN_EXPIRE_DAYS", default: 7, range: 1...365)
        allowedOrigins = try settings.list("ALLOWED_ORIGINS")
        trustedProxies = try TrustedProxies(settings.list("TRUSTED_PROXIES"))
        let minimumCost = platform.environment == .test ? 4 : 10
        bcryptCost = try settings.int("BCRYPT_COST", default: platform.environment == .test ? 4 : 12, range: minimumCost...16)
        rateLimits = try RateLimits(settings: settings)
        switch (settings.string("ADMIN_EMAIL"), settings.string("ADMIN_PASSWORD", isSecret: true)) {
        case (let email?, let password?):
            guard (8...128).contains(password.count) else {
                throw ConfigurationError(key: "ADMIN_PASSWORD", reason: "must be 8 to 128 characters")
            }
            bootstrapAdmin = (email, password)
        case (nil, nil): bootstrapAdmin = nil
        case (nil, _): throw ConfigurationError(key: "ADMIN_EMAIL", reason: "is required when ADMIN_PASSWORD is set")
        case (_, nil): throw ConfigurationError(key: "ADMIN_PASSWORD", reason: "is required when ADMIN_EMAIL is set")
        }
    }
}
