import Hummingbird
import Logging
import OrderEmail
import OrderPayments
import Payments
import Postgres
import ProcessSupport
import Prometheus
import Redis
import SMTP
import ServiceHTTP
import ServiceLifecycle
import Store
import StoreClients

/// Builds a worker process: its store clients as services and its monitoring endpoints.
func buildApplication(
    _ configuration: WorkerConfiguration,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws -> some ApplicationProtocol {
    let clients = StoreClients(configuration.platform, label: "worker")
    let (logger, database, redis) = (clients.logger, clients.database, clients.redis)
    let migrator = try clients.migrator()

    let router = buildRouter(
        configuration,
        health: StoreHealth(database: database, redis: redis),
        metrics: metrics
    )
    // Transitions beside other kinds get a lane of their own (a thread, a pool, Redis
    // connections): a burst of deliveries or payments must not make an order that falls due wait.
    let transitionLane = transitionLane(configuration, logger: logger)
    let transitions = OrderTransitions(
        database: transitionLane?.database ?? database,
        paymentTimeout: configuration.platform.payments.enabled ? configuration.platform.payments.timeoutSeconds : nil)
    let webhookClients = PinnedHTTPClients()
    let payments = configuration.platform.payments
    let stripe = payments.secretKey.map { key in
        StripeClient(http: .paymentProvider, configuration: .init(apiBase: payments.apiBase, secretKey: key))
    }
    if !payments.enabled { logger.notice("PAYMENTS=off: no payment job is owed or run") }
    let paymentPolicy = PaymentJobs.policy(
        concurrency: min(configuration.concurrency, 16), lease: .seconds(configuration.leaseSeconds), maxAge: .seconds(86_400))
    let paymentLedger = PaymentLedger(database: database)
    var handlers: [any JobHandler] = []
    for kind in configuration.kinds {
        switch kind {
        case .transition:
            handlers.append(
                TransitionJobs(
                    policy: TransitionJobs.policy(
                        concurrency: configuration.concurrency, lease: .seconds(configuration.leaseSeconds),
                        maxAttempts: configuration.maxAttempts, claimAhead: configuration.transitionClaimAhead),
                    transitions: transitions,
                    reconciler: Reconciler(transitions: transitions, queue: JobQueue(redis: redis), redis: redis),
                    captures: payments.enabled ? JobQueue(redis: redis, kind: .paymentCapture) : nil,
                    warmConnections: min(4, configuration.platform.postgres.options.maximumConnections)
                ))
        case .webhook:
            let settings = configuration.platform.webhooks
            let ledger = DeliveryLedger(database: database)
            handlers.append(
                WebhookJobs(
                    policy: WebhookJobs.policy(
                        concurrency: settings.concurrency,
                        schedule: settings.retrySchedule.map { $0.map { .seconds($0) } } ?? WebhookJobs.standardSchedule,
                        lease: .seconds(configuration.leaseSeconds)),
                    ledger: ledger, endpoints: WebhookEndpointStore(database: database), events: OrderEventLog(database: database),
                    network: NetworkAddressGuard(allowPrivateNetworks: settings.allowPrivateNetworks), clients: webhookClients,
                    time: DisplayTime(timeZone: configuration.platform.timeZone),
                    reconciler: DeliveryReconciler(ledger: ledger, queue: JobQueue(redis: redis, kind: .webhook), redis: redis)
                ))
        case .email:
            guard let url = configuration.platform.mail.url, var smtp = SMTPConfiguration(url: url, clientName: JobWorker.machineName())
            else {
                logger.notice("no SMTP_URL: no email is owed or sent")
                continue
            }
            smtp.trustedCertificatesFile = configuration.platform.mail.trustedCertificatesFile
            let ledger = DeliveryLedger(database: database)
            handlers.append(
                EmailJobs(
                    policy: EmailJobs.policy(
                        concurrency: configuration.platform.mail.concurrency, lease: .seconds(configuration.leaseSeconds)),
                    ledger: ledger, events: OrderEventLog(database: database),
                    emails: try await OrderEmails(configuration.platform),
                    smtp: smtp, connections: configuration.platform.mail.connections,
                    reconciler: DeliveryReconciler(ledger: ledger, queue: JobQueue(redis: redis, kind: .email), redis: redis)
                ))
        case .paymentIntent, .paymentCapture, .paymentVoid, .paymentRefund:
            guard payments.enabled, let stripe else { continue }
            if let handler = PaymentJobs.handler(of: kind, policy: paymentPolicy, ledger: paymentLedger, stripe: stripe, redis: redis) {
                handlers.append(handler)
            }
        }
    }
    let worker = JobWorker(
        options: .init(
            reconcileInterval: .seconds(configuration.platform.reconcileIntervalSeconds),
            instance: configuration.port == 0 ? nil : "\(JobWorker.machineName()):\(configuration.port)",
            giveWayAfter: configuration.transitionGiveWayAfter
        ),
        redis: redis, handlers: handlers, lanes: transitionLane.map { [.transition: $0] } ?? [:], logger: logger
    )
    // A worker that delivers also turns new events into deliveries (one process at a time).
    // The HTTP clients close after the worker's last delivery (services stop in reverse order).
    var services: [any Service] = [database, redis, OnShutdown { await webhookClients.shutdown() }, worker]
    if let transitionLane { services.insert(contentsOf: transitionLane.services, at: 1) }
    if configuration.kinds.contains(.webhook) || configuration.kinds.contains(.email) {
        services.append(
            DeliveryDispatchLoop(
                dispatcher: DeliveryDispatcher(
                    ledger: DeliveryLedger(database: database), redis: redis, email: configuration.platform.mail.url != nil),
                owner: worker.id,
                interval: .milliseconds(100), logger: logger))
    }
    // The worker after the clients it uses: on any shutdown it drains its batch before they close.
    let stores = OrderedServices(services, logger: logger)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "order-platform-worker"),
        services: [stores],
        onServerRunning: { [worker] _ in
            InheritedDescriptors.closeOnExec()
            worker.listening.withLock { $0 = true }
        },
        logger: logger
    )
    app.beforeServerStarts {
        await stores.waitUntilStarted()
        try await migrator.requireCurrentSchema()
    }
    return app
}

/// The transitions' own lane (a pool of `min(8, DATABASE_POOL_SIZE)` connections) when this
/// worker runs them beside other kinds; nil when they are its only kind (the process is theirs).
func transitionLane(_ configuration: WorkerConfiguration, logger: Logger) -> JobLane? {
    guard configuration.kinds.contains(.transition), configuration.kinds.count > 1 else { return nil }
    return JobLane(configuration.platform, connections: 8, logger: logger)
}

/// The worker's HTTP surface: health and metrics only.
func buildRouter(
    _ configuration: WorkerConfiguration,
    health: StoreHealth,
    metrics: PrometheusCollectorRegistry
) -> Router<BasicRequestContext> {
    let router = Router()
    router.addMiddleware {
        RequestIDMiddleware()
        ProblemMiddleware()
    }
    HealthController(health: health, timeZone: configuration.platform.timeZone, service: "worker").addRoutes(to: router)
    MetricsController(registry: metrics).addRoutes(to: router)
    return router
}
