import Hummingbird
import Metrics
import ProcessSupport
import Prometheus

/// What the gateway and the worker do once their configuration is read: log as configured,
/// collect metrics into one registry, build the application and serve until SIGTERM; a failed
/// start prints one line and exits 1.
public enum ServiceProcess {
    public static func run<App: ApplicationProtocol>(
        _ platform: PlatformConfiguration, build: (PrometheusCollectorRegistry) async throws -> App
    ) async {
        platform.bootstrapLogging()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        await exitOnStartupFailure {
            try await build(registry).runService()
        }
    }
}
