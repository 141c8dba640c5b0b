import Hummingbird
import Logging
import ProcessSupport
import Prometheus
import Redis
import ServiceHTTP
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
    let transitions = OrderTransitions(database: database)
    var handlers: [any JobHandler] = []
    for kind in configuration.kinds {
        switch kind {
        case .transition:
            handlers.append(
                TransitionJobs(
                    policy: TransitionJobs.policy(
                        concurrency: configuration.concurrency, lease: .seconds(configuration.leaseSeconds),
                        maxAttempts: configuration.maxAttempts),
                    transitions: transitions,
                    reconciler: Reconciler(transitions: transitions, queue: JobQueue(redis: redis), redis: redis)
                ))
        case .email, .webhook, .paymentIntent, .paymentCapture, .paymentVoid, .paymentRefund:
            // Kinds this build has no handler for yet: nothing creates their jobs either.
            continue
        }
    }
    let worker = JobWorker(
        options: .init(
            reconcileInterval: .seconds(configuration.platform.reconcileIntervalSeconds),
            instance: configuration.port == 0 ? nil : "\(JobWorker.machineName()):\(configuration.port)"
        ),
        redis: redis, handlers: handlers, logger: logger
    )
    // The worker after the clients it uses: on any shutdown it drains its batch before they close.
    let stores = OrderedServices([database, redis, worker], logger: logger)
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
