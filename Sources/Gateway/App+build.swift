import Foundation
import Hummingbird
import Logging
import OrderEmail
import OrderPayments
import Payments
import Postgres
import ProcessSupport
import Prometheus
import Redis
import ServiceHTTP
import ServiceLifecycle
import Store
import StoreClients

/// Builds the gateway: its store clients as services, then the HTTP server over `buildRouter`.
func buildApplication(
    _ configuration: GatewayConfiguration,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws -> some ApplicationProtocol {
    let clients = StoreClients(configuration.platform, label: "gateway")
    let (logger, database, redis) = (clients.logger, clients.database, clients.redis)
    let migrator = try clients.migrator()
    let accounts = buildAccounts(configuration, database: database, redis: redis)
    let tokens = await buildTokens(configuration)
    let scheduleRetries = ScheduleRetries(redis: redis, logger: logger)
    let (relay, fanout) = buildEvents(configuration, accounts: accounts, database: database, redis: redis, logger: logger)

    let routes = buildRouter(
        configuration,
        accounts: accounts,
        tokens: tokens,
        database: database,
        redis: redis,
        health: StoreHealth(database: database, redis: redis),
        metrics: metrics,
        document: try APIDocument.bundled(),
        renderer: try await ConsoleRenderer.bundled(),
        emails: try await OrderEmails(configuration.platform),
        scheduleRetries: scheduleRetries,
        events: fanout
    )
    let stores = OrderedServices([database, redis, scheduleRetries, relay, fanout], logger: logger)
    var app = Application(
        responder: DeadlineResponder(base: routes.router.buildResponder(), timeout: .seconds(configuration.requestTimeoutSeconds)),
        server: .http1OnEventLoops(),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "order-platform"),
        services: [stores, buildMonitoringServer(configuration, metrics: metrics, logger: logger)],
        onServerRunning: { _ in InheritedDescriptors.closeOnExec() },
        logger: logger
    )
    if configuration.secretKeyIsEphemeral {
        logger.warning("SECRET_KEY is not set: access tokens are signed with a key made up at start and verify on this process only")
    }
    app.beforeServerStarts { [logger] in
        await stores.waitUntilStarted()
        try await migrator.requireCurrentSchema()
        try await requireWorkersPartitionCount(JobQueues(redis: redis), logger: logger)
        if let admin = configuration.bootstrapAdmin {
            try await accounts.bootstrapAdmin(email: admin.email, password: admin.password, logger: logger)
        }
    }
    return app
}

/// Refuses to serve when the workers recorded another `JOB_PARTITIONS` than this gateway's: the
/// jobs it enqueues would land in partitions no worker claims. Not checked while Redis does not
/// answer (a gateway starts without it, as it always has) or before any worker recorded one.
func requireWorkersPartitionCount(_ queues: JobQueues, logger: Logger) async throws {
    let partitions = queues.queues.first?.keys.partitions ?? JobPartitions.count
    guard let recorded = try? await queues.recordedPartitions(record: false, logger: logger), recorded != partitions else { return }
    throw ConfigurationError(
        key: "JOB_PARTITIONS",
        reason:
            "is \(partitions) but this deployment's workers use \(recorded) partitions (jobs:{layout}:partitions in Redis); docs/CAPACITY.md says how to change it"
    )
}

/// The monitoring server on `METRICS_PORT`: Prometheus metrics, for scrapers on
/// the private network only (never on the API port, never through the load balancer).
func buildMonitoringServer(
    _ configuration: GatewayConfiguration, metrics: PrometheusCollectorRegistry, logger: Logger
) -> some ApplicationProtocol & Service {
    let router = Router()
    router.addMiddleware {
        RequestIDMiddleware()
        ProblemMiddleware()
    }
    MetricsController(registry: metrics).addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(
            address: .hostname(configuration.metricsHost, port: configuration.metricsPort), serverName: "order-platform-metrics"
        ),
        onServerRunning: { _ in InheritedDescriptors.closeOnExec() },
        logger: logger
    )
}

/// The account operations over the stores: users in Postgres, sessions and limits in Redis.
func buildAccounts(_ configuration: GatewayConfiguration, database: Database, redis: RedisClient) -> AccountOperations {
    let limits = configuration.rateLimits
    return AccountOperations(
        users: PostgresUserRepository(database: database),
        sessions: SessionStore(
            redis: redis, ttl: .seconds(configuration.refreshTokenDays * 86_400), maxSessions: configuration.maxSessionsPerUser
        ),
        hasher: PasswordHasher(cost: configuration.bcryptCost),
        limiter: RateLimiter(redis: redis),
        limits: AccountLimits(
            signInPerClient: limits.loginPerIP, signInPerAccount: limits.loginPerUser, registrationsPerClient: limits.registerPerIP,
            passwordGuessesPerUser: limits.passwordPerUser)
    )
}

/// The access tokens' signer and verifier (`SECRET_KEY`, `ACCESS_TOKEN_MINUTES`).
func buildTokens(_ configuration: GatewayConfiguration) async -> TokenIssuer {
    await TokenIssuer(secret: configuration.secretKey, lifetime: .seconds(configuration.accessTokenMinutes * 60))
}

/// The live stream's two halves on a gateway: the relay (Postgres to the Redis Stream, working
/// while it holds the lease) and the fan-out (the Redis Stream to this gateway's clients).
func buildEvents(
    _ configuration: GatewayConfiguration, accounts: AccountOperations, database: Database, redis: RedisClient, logger: Logger
) -> (EventRelay, EventFanout) {
    let settings = configuration.events
    let log = OrderEventLog(database: database)
    let stream = OrderEventStream(redis: redis, maxLength: settings.streamLength)
    let owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    let relay = EventRelay(log: log, stream: stream, owner: owner, logger: logger)
    let heartbeat = Duration.seconds(settings.heartbeatSeconds)
    let fanout = EventFanout(
        log: log, stream: stream, admission: RequestAdmission(sessions: accounts.sessions, limiter: RateLimiter(redis: redis)),
        slots: EventStreamSlots(redis: redis, cap: settings.streamsPerUser, ttl: heartbeat * 3), heartbeat: heartbeat,
        bufferLimit: settings.clientBuffer, time: DisplayTime(timeZone: configuration.platform.timeZone), logger: logger
    )
    return (relay, fanout)
}

/// The routes and the middleware every request passes, outermost first.
func buildRouter(
    _ configuration: GatewayConfiguration,
    accounts: AccountOperations,
    tokens: TokenIssuer,
    database: Database,
    redis: RedisClient,
    health: StoreHealth,
    metrics: PrometheusCollectorRegistry,
    document: APIDocument,
    renderer: ConsoleRenderer,
    emails: OrderEmails,
    scheduleRetries: ScheduleRetries? = nil,
    events: EventFanout? = nil
) -> MethodAwareRouter<AppRequestContext> {
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    let limiter = RateLimiter(redis: redis)
    let time = DisplayTime(timeZone: configuration.platform.timeZone)
    let domain = DomainProblems(rules: configuration.platform.orderRules)
    let admission = RequestAdmission(sessions: accounts.sessions, limiter: limiter)
    let cookies = ConsoleCookies(
        secret: configuration.secretKey, secure: configuration.platform.environment != .development,
        maxAge: configuration.refreshTokenDays * 86_400
    )
    let catalog = CatalogOperations(products: PostgresProductRepository(database: database))
    // One schedule for the orders' moves: placing schedules them, an authorisation resumes them.
    let moves = TransitionSchedule(redis: redis, retries: scheduleRetries)
    let orders = OrderOperations(
        orders: PostgresOrderRepository(database: database, readsAtOnce: configuration.orderReadsAtOnce), schedule: moves,
        rules: configuration.platform.orderRules, exportPageTimeout: .seconds(configuration.requestTimeoutSeconds),
        paymentJobs: configuration.platform.payments.enabled ? JobQueues(redis: redis) : nil
    )
    let carts = CartOperations(
        carts: CartStore(redis: redis, ttl: .seconds(configuration.refreshTokenDays * 86_400)), catalog: catalog, orders: orders)
    let pages = ConsolePages(renderer: renderer, cookies: cookies, problems: domain, carts: carts)
    router.add(
        middleware: GatewayMiddleware(
            allowedOrigins: AllowedOriginsMiddleware(origins: configuration.allowedOrigins),
            problems: ProblemMiddleware(domain: domain.apiError(for:)),
            console: ConsoleMiddleware(pages: pages),
            admission: AdmissionMiddleware(
                tokens: tokens, cookies: cookies, admission: admission, limits: configuration.rateLimits,
                proxies: configuration.trustedProxies
            ),
            consoleSession: ConsoleSessionMiddleware(cookies: cookies, pages: pages)
        )
    )
    let routes = MethodAwareRouter(router)
    HealthController(health: health, timeZone: configuration.platform.timeZone, service: "gateway").addRoutes(to: routes)
    DocsController(document: document, assets: SwaggerUIAssets(directory: configuration.swaggerUIDirectory)).addRoutes(to: routes)
    AuthController(accounts: accounts, tokens: tokens, time: time).addRoutes(to: routes)
    UsersController(accounts: accounts, time: time).addRoutes(to: routes)
    ProductsController(catalog: catalog, time: time).addRoutes(to: routes)
    OrdersController(operations: orders, time: time, timeZone: configuration.platform.timeZone).addRoutes(to: routes)
    let queues = JobQueues(redis: redis)
    let reconciler = Reconciler(transitions: OrderTransitions(database: database), queue: queues[.transition], redis: redis)
    let registry = WorkerRegistry(redis: redis)
    BackgroundController(queues: queues, reconciler: reconciler, registry: registry, time: time).addRoutes(to: routes)
    let webhooks = WebhookOperations(
        endpoints: WebhookEndpointStore(database: database), ledger: DeliveryLedger(database: database), redis: redis,
        network: NetworkAddressGuard(allowPrivateNetworks: configuration.platform.webhooks.allowPrivateNetworks),
        secretGrace: .seconds(configuration.platform.webhooks.secretGraceSeconds))
    WebhooksController(webhooks: webhooks, time: time).addRoutes(to: routes)
    let settings = configuration.platform.payments
    var payments: PaymentOperations?
    if settings.enabled, let key = settings.secretKey {
        let ledger = PaymentLedger(database: database)
        let stripe = StripeClient(http: .paymentProvider, configuration: .init(apiBase: settings.apiBase, secretKey: key))
        let operations = PaymentOperations(ledger: ledger, stripe: stripe, refundJobs: queues[.paymentRefund], moves: moves)
        payments = operations
        PaymentsController(payments: operations, orders: orders, time: time).addRoutes(to: routes)
        StripeWebhookController(
            events: PaymentProviderEvents(ledger: ledger, secrets: settings.webhookSecrets, moves: moves)
        ).addRoutes(to: routes)
    }
    // Without a fan-out that runs (a router built for a test), the stream answers 503.
    let fanout =
        events ?? buildEvents(configuration, accounts: accounts, database: database, redis: redis, logger: Logger(label: "events")).1
    EventsController(fanout: fanout, orders: orders).addRoutes(api: routes, console: routes.router)
    routes.addMethodNotAllowedResponders()
    // The console's routes go on the plain router: its pages answer a wrong method or a missing
    // path with its own 404 page, not with the API's problem documents.
    let format = ConsoleFormat(timeZone: configuration.platform.timeZone, currency: configuration.platform.orderRules.currency)
    let timeZone = configuration.platform.timeZone
    let console = routes.router
    ShopConsoleController(
        accounts: accounts, catalog: catalog, carts: carts, pages: pages,
        format: format
    )
    .addRoutes(to: console)
    SignInConsoleController(accounts: accounts, pages: pages, cookies: cookies).addRoutes(to: console)
    DashboardConsoleController(accounts: accounts, orders: orders, pages: pages, format: format, timeZone: timeZone)
        .addRoutes(to: console)
    OrdersConsoleController(orders: orders, pages: pages, format: format, timeZone: timeZone, payments: payments).addRoutes(to: console)
    ProductsConsoleController(catalog: catalog, pages: pages, format: format).addRoutes(to: console)
    UsersConsoleController(accounts: accounts, pages: pages, format: format).addRoutes(to: console)
    BackgroundConsoleController(
        operations: ConsoleOperationsSources(queues: queues, registry: registry, reconciler: reconciler, health: health), pages: pages,
        format: format
    ).addRoutes(to: console)
    AccountConsoleController(accounts: accounts, pages: pages, cookies: cookies, format: format).addRoutes(to: console)
    WebhooksConsoleController(webhooks: webhooks, pages: pages, format: format).addRoutes(to: console)
    OutboxConsoleController(
        outbox: Outbox(database: database, redis: redis, emails: emails, sending: configuration.platform.mail.url != nil), pages: pages,
        format: format
    ).addRoutes(to: console)
    renderer.assets.addRoutes(to: console)
    return routes
}
