import ArgumentParser
import Hummingbird
import Metrics
import ProcessSupport
import Prometheus
import Store

/// `worker` applies due order transitions and serves its health and metrics on `WORKER_PORT`.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Applies the order platform's delayed transition jobs."
    )

    func run() async throws {
        let configuration = await loadConfiguration(WorkerConfiguration.init)
        configuration.platform.bootstrapLogging()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        await exitOnStartupFailure {
            let app = try await buildApplication(configuration, metrics: registry)
            try await app.runService()
        }
    }
}
