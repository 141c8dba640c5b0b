import ServiceLifecycle

/// Runs `body` when its service group shuts down: closes a client after the services that use
/// it (placed before them, it stops after them).
struct OnShutdown: Service {
    let body: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await body()
    }
}
