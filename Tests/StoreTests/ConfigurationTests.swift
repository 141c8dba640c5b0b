import PostgresNIO
import ProcessSupport
import Redis
import Store
import Testing

@Suite("Configuration", .timeLimit(.minutes(2)))
struct ConfigurationTests {
    let valid = ["DATABASE_URL": "postgres://app:s3cret@db.internal:6543/orders", "REDIS_URL": "redis://:pw@cache:6380/2"]

    func configuration(_ values: [String: String]) throws(ConfigurationError) -> PlatformConfiguration {
        try PlatformConfiguration(settings: .from(values))
    }

    @Test func readsDefaultsAndURLs() throws {
        let configuration = try configuration(valid)
        #expect(configuration.postgres.host == "db.internal")
        #expect(configuration.postgres.port == 6543)
        #expect(configuration.postgres.username == "app")
        #expect(configuration.postgres.password == "s3cret")
        #expect(configuration.postgres.database == "orders")
        #expect(configuration.redis == RedisConfiguration(host: "cache", port: 6380, database: 2, password: "pw"))
        #expect(configuration.autoProcessAfterSeconds == 300)
        #expect(configuration.cancelWindowSeconds == 300)
        #expect(configuration.maxPendingOrders == 20)
        #expect(configuration.timeZone.identifier == "Asia/Kolkata")
        #expect(configuration.currency == "USD")
        #expect(configuration.logFormat == .json)
        #expect(configuration.postgres.options.connectionIdleTimeout == .seconds(10))
    }

    /// How long an unused connection above the minimum stays open is the operator's to set,
    /// within 1 s to an hour; the minimum is any number up to the pool's size.
    @Test func thePoolsIdleTimeoutIsSetInSeconds() throws {
        var values = valid
        values["DATABASE_POOL_IDLE_SECONDS"] = "30"
        #expect(try configuration(values).postgres.options.connectionIdleTimeout == .seconds(30))
        for bad in ["0", "3601", "soon"] {
            values["DATABASE_POOL_IDLE_SECONDS"] = bad
            let error = #expect(throws: ConfigurationError.self) { try configuration(values) }
            #expect(error?.key == "DATABASE_POOL_IDLE_SECONDS")
        }
        values["DATABASE_POOL_IDLE_SECONDS"] = "30"
        values["DATABASE_POOL_SIZE"] = "12"
        values["DATABASE_POOL_MIN"] = "12"
        #expect(try configuration(values).postgres.options.minimumConnections == 12)
        values["DATABASE_POOL_MIN"] = "13"
        let error = #expect(throws: ConfigurationError.self) { try configuration(values) }
        #expect(error?.key == "DATABASE_POOL_MIN")
    }

    /// A store on the gateway's machine may be named by its Unix socket: Postgres' directory as
    /// libpq reads `host=`, Redis' socket as a `unix://` path.
    @Test func readsUnixSocketURLs() throws {
        var values = valid
        values["DATABASE_URL"] = "postgres://app:pw@:6543/orders?host=/run/postgresql"
        values["REDIS_URL"] = "unix://:pw@/run/redis/redis.sock?db=3"
        let configuration = try configuration(values)
        #expect(configuration.postgres.unixSocketPath == "/run/postgresql/.s.PGSQL.6543")
        #expect(configuration.postgres.host == nil)
        #expect(configuration.postgres.password == "pw")
        #expect(configuration.postgres.database == "orders")
        var redis = RedisConfiguration(database: 3, password: "pw")
        redis.socketPath = "/run/redis/redis.sock"
        #expect(configuration.redis == redis)
        values["DATABASE_URL"] = "postgres://app@/orders?host=/tmp/"
        #expect(try self.configuration(values).postgres.unixSocketPath == "/tmp/.s.PGSQL.5432")
    }

    @Test(arguments: [
        ("DATABASE_URL", "nonsense"),
        ("DATABASE_URL", "postgres://host-without-user/orders"),
        ("DATABASE_URL", "postgres://app@/orders"),
        ("DATABASE_URL", "postgres://app@/orders?host=run/postgresql"),
        ("DATABASE_URL", "postgres://app@db/orders?host=/run/postgresql"),
        ("DATABASE_URL", "postgres://app@/orders?host=/run/postgresql&sslmode=require"),
        ("REDIS_URL", "http://cache:6379"),
        ("REDIS_URL", "redis://cache:6379/x"),
        ("REDIS_URL", "unix://cache/redis.sock"),
        ("REDIS_URL", "unix://"),
        ("REDIS_URL", "unix:///run/redis.sock?db=x"),
        ("AUTO_PROCESS_AFTER_SECONDS", "soon"),
        ("TIMEZONE", "Mars/Olympus"),
        ("LOG_FORMAT", "xml"),
        ("CURRENCY", "dollars"),
    ])
    func rejectsABadValueNamingTheVariable(key: String, value: String) {
        var values = valid
        values[key] = value
        let error = #expect(throws: ConfigurationError.self) { try configuration(values) }
        #expect(error?.key == key)
        #expect(error?.description.contains("\n") == false)
    }

    /// `REDIS_CLUSTER_NODES` seeds cluster mode: `REDIS_URL` then only brings credentials, may be
    /// left out, and must not name a database other than 0 (a cluster has none).
    @Test func aClusterIsNamedByItsNodes() throws {
        let database = valid["DATABASE_URL"]!
        let cluster = try configuration(["DATABASE_URL": database, "REDIS_CLUSTER_NODES": "10.0.0.1:7000, [fd00::2]:7001"]).redis
        #expect(cluster.clusterNodes == [RedisEndpoint(host: "10.0.0.1", port: 7000), RedisEndpoint(host: "fd00::2", port: 7001)])
        #expect(cluster.isCluster && cluster.password == nil)
        let withCredentials = try configuration([
            "DATABASE_URL": database, "REDIS_CLUSTER_NODES": "10.0.0.1:7000", "REDIS_URL": "redis://:pw@ignored:6379/0",
        ]).redis
        #expect(withCredentials.password == "pw" && withCredentials.clusterNodes.count == 1)
        #expect(!(try configuration(valid).redis.isCluster))
        let badNode = #expect(throws: ConfigurationError.self) {
            try configuration(["DATABASE_URL": database, "REDIS_CLUSTER_NODES": "10.0.0.1"])
        }
        #expect(badNode?.key == "REDIS_CLUSTER_NODES")
        let badDatabase = #expect(throws: ConfigurationError.self) {
            try configuration(["DATABASE_URL": database, "REDIS_CLUSTER_NODES": "10.0.0.1:7000", "REDIS_URL": "redis://cache:6379/1"])
        }
        #expect(badDatabase?.key == "REDIS_URL")
    }

    @Test func requiresTheStoreURLs() {
        let error = #expect(throws: ConfigurationError.self) { try configuration([:]) }
        #expect(error?.key == "DATABASE_URL")
    }

    @Test func readsListsAsJSONOrCommas() throws {
        #expect(
            try Settings.from(["X": #"["https://a.example", "https://b.example"]"#]).list("X") == [
                "https://a.example", "https://b.example",
            ])
        #expect(try Settings.from(["X": "a, b,,c"]).list("X") == ["a", "b", "c"])
        #expect(throws: ConfigurationError.self) { try Settings.from(["X": "[not json"]).list("X") }
    }

    // MARK: Payments

    @Test func paymentsAreOffUnlessAskedFor() throws {
        let payments = try configuration(valid).payments
        #expect(payments.provider == .off && !payments.enabled && payments.timeoutSeconds == 1800)
        #expect(payments.apiBase == "https://api.stripe.com")
    }

    @Test func stripeNeedsItsKeyItsWebhookSecretAndHTTPSBeyondLoopback() throws {
        let stripe = valid.merging([
            "PAYMENTS": "stripe", "STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_a, whsec_b",
            "STRIPE_API_BASE": "http://127.0.0.1:8420",
        ]) { $1 }
        let payments = try configuration(stripe).payments
        #expect(payments.enabled && payments.webhookSecrets == ["whsec_a", "whsec_b"] && payments.secretKey == "sk_test_1")
        for (key, value) in [
            ("STRIPE_SECRET_KEY", ""), ("STRIPE_SECRET_KEY", "pk_test_public"), ("STRIPE_WEBHOOK_SECRET", ""),
            ("STRIPE_API_BASE", "http://stripe.example"), ("STRIPE_API_BASE", "ftp://127.0.0.1"), ("PAYMENTS", "paypal"),
            ("PAYMENT_TIMEOUT_SECONDS", "5"),
        ] {
            var values = stripe
            values[key] = value
            let error = #expect(throws: ConfigurationError.self) { try configuration(values) }
            #expect(error?.key == key, "\(key)=\(value)")
            #expect(error?.description.contains("sk_test_1") == false, "the key never appears in an error")
        }
    }
}
