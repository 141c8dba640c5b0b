import Hummingbird
import Logging
import PostgresNIO
import Prometheus
import ServiceHTTP
import ServiceLifecycle
import Store

/// Builds the gateway: its store clients as services, then the HTTP server over `buildRouter`.
func buildApplication(
    _ configuration: GatewayConfiguration,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "gateway")
    logger.logLevel = configuration.platform.logLevel
    let postgres = PostgresClient(configuration: configuration.platform.postgres, backgroundLogger: logger)
    let redis = RedisClient(configuration: configuration.platform.redis, logger: logger)
    let migrator = Migrator(client: postgres, migrations: try Migration.bundled(), logger: logger)

    let router = buildRouter(
        configuration,
        health: StoreHealth(postgres: postgres, redis: redis),
        metrics: metrics
    )
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "order-platform"),
        services: [postgres, redis],
        logger: logger
    )
    app.beforeServerStarts {
        try await migrator.requireCurrentSchema()
    }
    return app
}

/// The routes and the middleware every request passes, outermost first.
func buildRouter(
    _ configuration: GatewayConfiguration,
    health: StoreHealth,
    metrics: PrometheusCollectorRegistry
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        RequestIDMiddleware()
        MetricsMiddleware()
        AllowedOriginsMiddleware(origins: configuration.allowedOrigins)
        ProblemMiddleware()
    }
    HealthController(health: health, timeZone: configuration.platform.timeZone, service: "gateway").addRoutes(to: router)
    MetricsController(registry: metrics).addRoutes(to: router)
    return router
}
