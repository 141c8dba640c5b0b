import Foundation
import Logging
import PostgresNIO
import Redis

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
    /// How many partitions each job kind's queue is spread over (`JOB_PARTITIONS`): the same in
    /// every gateway and worker, fixed at deploy.
    public var jobPartitions: Int
    public var webhooks: WebhookSettings
    public var mail: MailSettings
    public var payments: PaymentSettings

    public init(settings: Settings) throws(ConfigurationError) {
        environment = try settings.choice("ENV", default: Environment.production)
        postgres = try PostgresClient.Configuration(url: settings.required("DATABASE_URL", isSecret: true))
        postgres.options.maximumConnections = try settings.int("DATABASE_POOL_SIZE", default: 10, range: 1...500)
        postgres.options.connectTimeout = .seconds(3)
        // No keep-alive pings: a dead connection fails its next query, which the pool replaces
        // (and which answers 503), rather than arming a timer per release.
        postgres.options.keepAliveBehavior = nil
        // Each connection is a postgres-nio pool of its own (`Database`'s lanes): the minimum is how
        // many stay open when idle, any other closes once unused this long. postgres-nio's own
        // minimum and idle timer are not used: a minimum above 1 traps its pool after a database
        // restart, and its idle timer costs a task and a wake-up per statement
        // (docs/postgres-nio-pool-restart.md).
        postgres.options.minimumConnections = try settings.int(
            "DATABASE_POOL_MIN", default: 1, range: 0...postgres.options.maximumConnections)
        postgres.options.connectionIdleTimeout = .seconds(try settings.int("DATABASE_POOL_IDLE_SECONDS", default: 10, range: 1...3_600))
        // A statement (lock waits included) never runs longer than a request may take.
        postgres.options.additionalStartupParameters = [("statement_timeout", "8s"), ("lock_timeout", "5s")]
        // A cluster's seed nodes, when given, take the place of REDIS_URL's host (which then
        // only brings the credentials, and may be left out).
        let clusterNodes = try settings.list("REDIS_CLUSTER_NODES")
        let redisURL =
            clusterNodes.isEmpty ? try settings.required("REDIS_URL", isSecret: true) : settings.string("REDIS_URL", isSecret: true)
        do throws(RedisConfiguration.URLError) {
            redis = try redisURL.map { url throws(RedisConfiguration.URLError) in try RedisConfiguration(url: url) } ?? RedisConfiguration()
        } catch {
            throw ConfigurationError(key: "REDIS_URL", reason: error.reason)
        }
        for node in clusterNodes {
            guard let endpoint = RedisEndpoint(node) else {
                throw ConfigurationError(key: "REDIS_CLUSTER_NODES", reason: "names \"\(node)\", not host:port")
            }
            redis.clusterNodes.append(endpoint)
        }
        if redis.isCluster, redis.database != 0 {
            throw ConfigurationError(key: "REDIS_URL", reason: "must name database 0 with REDIS_CLUSTER_NODES (a cluster has no other)")
        }
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
        jobPartitions = try settings.int("JOB_PARTITIONS", default: 16, range: 1...1024)
        webhooks = try WebhookSettings(settings: settings)
        mail = try MailSettings(settings: settings)
        payments = try PaymentSettings(settings: settings)
    }
}
