import Logging
import ServiceLifecycle

/// Runs services listed in dependency order (stores first, their users after) and stops them in
/// reverse order, gracefully, also when this service is cancelled.
///
/// Hummingbird cancels its whole service group when the server fails (a port already taken, a
/// start-up check such as the schema check throwing). Cancelling a `PostgresClient` while a
/// query runs on it can leave that query waiting forever (seen with postgres-nio 1.33.2: a
/// worker cancelled mid-batch never exited). Here cancellation becomes a graceful shutdown:
/// the worker drains its batch while the clients it uses still run, then the clients close.
public struct OrderedServices: Service {
    let group: ServiceGroup
    let started = StartSignal()

    public init(_ services: [any Service], logger: Logger) {
        let configurations = (services + [started]).map {
            ServiceGroupConfiguration.ServiceConfiguration(
                service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup
            )
        }
        self.group = ServiceGroup(configuration: .init(services: configurations, logger: logger))
    }

    /// Returns once every service has been started, e.g. before start-up checks use a client
    /// (postgres-nio warns about a lease asked for before its client runs).
    public func waitUntilStarted() async {
        await started.wait()
    }

    public func run() async throws {
        // Whatever ends the group, nobody waits for a start that will not come.
        defer { started.release() }
        // An unstructured task: the group must not inherit this task's cancellation.
        let running = Task { [group] in try await group.run() }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await running.value
            } onGracefulShutdown: { [group] in
                Task { await group.triggerGracefulShutdown() }
            }
        } onCancel: { [group] in
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// The last service of an ``OrderedServices`` group: its start means the others have started.
    final class StartSignal: Service, Sendable {
        private let signal = OneTimeSignal()

        func run() async throws {
            release()
            try? await gracefulShutdown()
        }

        func release() { signal.release() }

        func wait() async { await signal.wait() }
    }
}
