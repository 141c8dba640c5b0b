import Hummingbird
import Metrics
import ProcessSupport
import Prometheus
import StoreClients

/// What the gateway and the worker do once their configuration is read: log as configured,
/// collect metrics into one registry, build the application and serve until SIGTERM; a failed
/// start prints one line and exits 1.
public enum ServiceProcess {
    /// Every timer's buckets: the library's (5, 10, 25, 50, 100 ms …) with more below 100 ms, where
    /// the targets are (a request's p99, an event's 50 ms, a job's lateness).
    static let durationBuckets: [Duration] = [
        1, 2.5, 5, 7.5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
    ].map { .microseconds(Int64($0 * 1_000)) }

    public static func run<App: ApplicationProtocol>(
        _ platform: PlatformConfiguration, build: (PrometheusCollectorRegistry) async throws -> App
    ) async {
        platform.bootstrapLogging()
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        MetricsSystem.bootstrap(factory)
        await exitOnStartupFailure {
            try await build(registry).runService()
        }
    }
}
