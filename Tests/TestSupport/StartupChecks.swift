import Hummingbird
import ServiceLifecycle

/// An application's start-up checks (`beforeServerStarts`), run with its services as the server
/// would run them.
public enum StartupChecks {
    /// The error the checks throw, or nil when they pass.
    ///
    /// `app.test(...)` is not used for a check expected to fail: when a check throws before the
    /// test framework's service group has started, its shutdown request is lost and the group
    /// (and the test) runs forever. Here shutdown is requested only once every service runs.
    public static func error(of app: some ApplicationProtocol) async -> (any Error)? {
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let group = ServiceGroup(configuration: .init(services: app.services + [StartedSignal(signal: signal)], logger: app.logger))
        async let running: Void = group.run()
        var failure: (any Error)?
        do {
            for check in app.processesRunBeforeServerStart { try await check() }
        } catch {
            failure = error
        }
        for await _ in started { break }
        await group.triggerGracefulShutdown()
        try? await running
        return failure
    }
}

/// The last service of the group: says that every service before it has started.
private struct StartedSignal: Service {
    let signal: AsyncStream<Void>.Continuation

    func run() async throws {
        signal.yield()
        try? await gracefulShutdown()
    }
}
