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
        // A minimum of 1. postgres-nio 1.33.2's pool traps (`precondition(minimumConcurrentConnections
        // <= stats.active)`) when, after failed connection attempts such as a database restart, it
        // needs a new connection while holding fewer than its minimum, which it never refills (with
        // the minimum equal to the maximum every gateway died on a `pg_ctl restart -m fast`); it
        // keeps at least the one connection it retries, so a minimum of 1 always holds. With a
        // minimum of 0 instead, a lease waiting while the last connection fails is never served
        // (postgres-nio #657): a worker's batch waited out its deadline after every restart. See
        // docs/postgres-nio-pool-restart.md. Connections above the minimum get an idle timer per
        // release, and a cancelled `Task.sleep` keeps its task until its deadline, so the timeout
        // is short: a gateway reading 5,000–6,000 orders/s beside 1,000 event streams peaked at
        // 84–89 MB with 1–2 s, 90–94 with 3 and 109–121 with 10, for a few dozen more connections
        // opened a minute (BENCHMARKS.md, #27).
        let maximumMinimum = environment == .test ? postgres.options.maximumConnections : 1
        postgres.options.minimumConnections = try settings.int("DATABASE_POOL_MIN", default: 1, range: 0...maximumMinimum)
        postgres.options.connectionIdleTimeout = .seconds(try settings.int("DATABASE_POOL_IDLE_SECONDS", default: 2, range: 1...3_600))
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
