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
    var trustedProxies: [String]

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
        trustedProxies = try settings.list("TRUSTED_PROXIES")
    }
}
