import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ProcessSupport
import ServiceHTTP
import Store
import StoreClients

/// `gateway` serves the HTTP API; `gateway migrate` brings the database schema up to date;
/// `gateway create-user` and `gateway seed-demo` add accounts.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "The order platform's HTTP API gateway.",
        subcommands: [Serve.self, Migrate.self, CreateUser.self, SeedDemo.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the HTTP API (the default).")

        func run() async throws {
            // Requests' tasks run on the event loops that read and write their sockets (HTTP,
            // Postgres, Redis) instead of hopping to Swift's own pool and back at every await.
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            let configuration = await loadConfiguration(GatewayConfiguration.init)
            JobPartitions.bootstrap(configuration.platform.jobPartitions)
            if configuration.platform.environment == .test, let file = ProcessInfo.processInfo.environment["TEST_TRAP_WHEN_FILE_EXISTS"] {
                GatewayCommand.trap(whenExists: file)
            }
            await ServiceProcess.run(configuration.platform) { try await buildApplication(configuration, metrics: $0) }
        }
    }

    /// For the chaos tests only (`ENV=test`): traps, as a failed precondition does, once `file`
    /// exists (deleting it first, so the restarted process runs), to show what a real crash
    /// does to the port and to the supervisor.
    static func trap(whenExists file: String) {
        Task.detached {
            while true {
                try? await Task.sleep(for: .milliseconds(100))
                if unlink(file) == 0 { preconditionFailure("trapping on purpose: \(file) exists (TEST_TRAP_WHEN_FILE_EXISTS)") }
            }
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the database migrations this build ships, then exit.")

        func run() async throws {
            let configuration = await loadConfiguration(PlatformConfiguration.init)
            configuration.bootstrapLogging()
            await exitOnStartupFailure {
                let clients = StoreClients(configuration, label: "migrate")
                try await clients.withDatabase {
                    let applied = try await clients.migrator().migrate()
                    clients.logger.info("migrations done", metadata: ["migration.applied": "\(applied.count)"])
                }
            }
        }
    }
}
