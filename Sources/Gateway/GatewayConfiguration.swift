import Foundation
import ProcessSupport
import Store

/// The gateway's own settings, on top of what it shares with the workers.
struct GatewayConfiguration: Sendable {
    var platform: PlatformConfiguration
    var host: String
    var port: Int
    /// Where `/metrics` is served: a port of its own, for the monitoring network.
    var metricsHost: String
    var metricsPort: Int
    /// Where `/docs` finds Swagger UI's files (else it uses the pinned CDN copy).
    var swaggerUIDirectory: String
    /// Every request is answered within this many seconds (503 past it).
    var requestTimeoutSeconds: Int
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
    /// Open sessions per user; a new one beyond this ends the oldest.
    var maxSessionsPerUser: Int
    /// Reads of an order by id running at once; beyond them, reads wait and go together in one
    /// statement (`ReadBatcher`).
    var orderReadsAtOnce: Int
    /// The admin created at start when both are set (idempotent across concurrent starts).
    var bootstrapAdmin: (email: String, password: String)?
    /// The live event stream's settings.
    var events: EventSettings

    /// How the live event stream behaves (`EVENTS_*`).
    struct EventSettings: Sendable {
        /// Seconds between keep-alive comments, which are also when sessions are re-checked.
        var heartbeatSeconds: Int
        /// Events a stream may have waiting before it is ended as too slow.
        var clientBuffer: Int
        /// Open streams per user, across gateways.
        var streamsPerUser: Int
        /// Roughly how many recent events the Redis Stream keeps (`XADD MAXLEN ~`).
        var streamLength: Int

        init(settings: Settings) throws(ConfigurationError) {
            heartbeatSeconds = try settings.int("EVENTS_HEARTBEAT_SECONDS", default: 15, range: 1...300)
            clientBuffer = try settings.int("EVENTS_CLIENT_BUFFER", default: 1_000, range: 1...100_000)
            streamsPerUser = try settings.int("EVENTS_STREAMS_PER_USER", default: 10, range: 1...1_000)
            streamLength = try settings.int("EVENTS_STREAM_LENGTH", default: 10_000, range: 100...10_000_000)
        }
    }

    /// The configured rate-limit policies (API.md's defaults).
    struct RateLimits: Sendable {
        var loginPerIP: RateLimitPolicy
        var loginPerUser: RateLimitPolicy
        var registerPerIP: RateLimitPolicy
        var anonymousPerIP: RateLimitPolicy
        var authenticatedPerUser: RateLimitPolicy
        /// Wrong `current_password` guesses (each also costs a bcrypt).
        var passwordPerUser: RateLimitPolicy

        init(settings: Settings) throws(ConfigurationError) {
            func policy(_ name: String, _ fallback: String) throws(ConfigurationError) -> RateLimitPolicy {
                try RateLimitPolicy(name: name, parsing: settings.string("RATE_LIMIT_" + name.uppercased(), default: fallback))
            }
            loginPerIP = try policy("login_ip", "10/min")
            loginPerUser = try policy("login_user", "5/min")
            registerPerIP = try policy("register_ip", "10/h")
            anonymousPerIP = try policy("anonymous", "20/s:50")
            authenticatedPerUser = try policy("user", "50/s:100")
            passwordPerUser = try policy("password_user", "5/min")
        }
    }

    /// True when no `SECRET_KEY` was given outside production and the key was made up at start:
    /// tokens then verify on this process only (`make dev` gives every gateway one key of its own
    /// stack, generated on the first run into the git-ignored data folder).
    var secretKeyIsEphemeral = false

    init(settings: Settings) throws(ConfigurationError) {
        platform = try PlatformConfiguration(settings: settings)
        host = settings.string("HOST", default: "127.0.0.1")
        port = try settings.int("PORT", default: 8000, range: 0...65_535)
        metricsHost = settings.string("METRICS_HOST", default: host)
        metricsPort = try settings.int("METRICS_PORT", default: 9464, range: 0...65_535)
        swaggerUIDirectory = settings.string("SWAGGER_UI_DIR", default: SwaggerUIAssets.defaultDirectory)
        requestTimeoutSeconds = try settings.int("REQUEST_TIMEOUT_SECONDS", default: 10, range: 1...300)
        if let key = settings.string("SECRET_KEY", isSecret: true) {
            guard key.utf8.count >= 32 || platform.environment != .production else {
                throw ConfigurationError(key: "SECRET_KEY", reason: "must be at least 32 bytes long")
            }
            secretKey = key
        } else if platform.environment != .production {
            // Never a key published in the source: anyone could sign tokens for a dev stack.
            var generator = SystemRandomNumberGenerator()
            secretKey = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
            secretKeyIsEphemeral = true
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
        maxSessionsPerUser = try settings.int("MAX_SESSIONS_PER_USER", default: 10, range: 1...1000)
        orderReadsAtOnce = try settings.int("ORDER_READS_AT_ONCE", default: 4, range: 1...500)
        events = try EventSettings(settings: settings)
        switch (settings.string("ADMIN_EMAIL"), settings.string("ADMIN_PASSWORD", isSecret: true)) {
        case (let email?, let password?):
            guard (8...128).contains(password.unicodeScalars.count) else {
                throw ConfigurationError(key: "ADMIN_PASSWORD", reason: "must be 8 to 128 characters")
            }
            bootstrapAdmin = (email, password)
        case (nil, nil): bootstrapAdmin = nil
        case (nil, _): throw ConfigurationError(key: "ADMIN_EMAIL", reason: "is required when ADMIN_PASSWORD is set")
        case (_, nil): throw ConfigurationError(key: "ADMIN_PASSWORD", reason: "is required when ADMIN_EMAIL is set")
        }
    }
}
