import ArgumentParser
import Hummingbird
import ProcessSupport
import ServiceHTTP
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
        JobPartitions.bootstrap(configuration.platform.jobPartitions)
        await ServiceProcess.run(configuration.platform) { try await buildApplication(configuration, metrics: $0) }
    }
}
