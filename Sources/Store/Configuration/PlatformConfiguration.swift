import Foundation
import Logging
import PostgresNIO

/// What the gateway and the workers share: where the stores are, how to log, and the order rules.
public struct PlatformConfiguration: Sendable {
    public enum Environment: String, CaseIterable, Sendable {
        case development, test, production
    }

    public enum LogFormat: String, CaseIterable, Sendable {
        case json, text
    }

    public var environment: Environment
    public var postgres: PostgresClient.Configuration
    public var redis: RedisConfiguration
    public var timeZone: TimeZone
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var autoProcessAfterSeconds: Int
    public var cancelWindowSeconds: Int
    public var currency: String
    public var maxPendingOrders: Int
    public var reconcileIntervalSeconds: Int

    public init(settings: Settings) throws(ConfigurationError) {
        environment = try settings.choice("ENV", default: Environment.production)
        postgres = try PostgresClient.Configuration(url: settings.required("DATABASE_URL", isSecret: true))
        postgres.options.maximumConnections = try settings.int("DATABASE_POOL_SIZE", default: 10, range: 1...500)
        postgres.options.connectTimeout = .seconds(5)
        // postgres-nio arms a keep-alive and an idle timer (`Task.sleep`) each time a connection
        // goes back to the pool; on Linux a cancelled sleep stays in the dispatch timer heap until
        // its deadline, so at thousands of queries per second these timers pile up (memory that
        // grew ~1 KB per request, and CPU). Pooled connections are therefore kept open (no idle
        // timer) and not pinged (no keep-alive timer): a dead connection fails its next query,
        // which the pool replaces.
        postgres.options.minimumConnections = postgres.options.maximumConnections
        postgres.options.keepAliveBehavior = nil
        redis = try RedisConfiguration(url: settings.required("REDIS_URL", isSecret: true))
        redis.poolSize = try settings.int("REDIS_POOL_SIZE", default: 4, range: 1...256)
        let zone = settings.string("TIMEZONE", default: "Asia/Kolkata")
        guard let timeZone = TimeZone(identifier: zone) else {
            throw ConfigurationError(key: "TIMEZONE", reason: "is not a known time zone (got \"\(zone)\")")
        }
        self.timeZone = timeZone
        let level = settings.string("LOG_LEVEL", default: "info").lowercased()
        guard let logLevel = Logger.Level(rawValue: level == "warn" ? "warning" : level) else {
            throw ConfigurationError(key: "LOG_LEVEL", reason: "must be trace, debug, info, notice, warning, error or critical")
        }
        self.logLevel = logLevel
        logFormat = try settings.choice("LOG_FORMAT", default: LogFormat.json)
        autoProcessAfterSeconds = try settings.int("AUTO_PROCESS_AFTER_SECONDS", default: 300, range: 0...30 * 86_400)
        cancelWindowSeconds = try settings.int("CANCEL_WINDOW_SECONDS", default: 300, range: 0...30 * 86_400)
        currency = settings.string("CURRENCY", default: "USD").uppercased()
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw ConfigurationError(key: "CURRENCY", reason: "must be a three-letter ISO 4217 code")
        }
        maxPendingOrders = try settings.int("MAX_PENDING_ORDERS", default: 20, range: 1...100_000)
        reconcileIntervalSeconds = try settings.int("RECONCILE_INTERVAL_SECONDS", default: 30, range: 1...86_400)
    }
}
