import ProcessSupport
import Store

/// The worker's own settings, on top of what it shares with the gateway.
struct WorkerConfiguration: Sendable {
    var platform: PlatformConfiguration
    /// Address of the worker's health and metrics endpoints.
    var host: String
    var port: Int
    /// Jobs applied at once by this process.
    var concurrency: Int
    /// How long a claimed job stays ours without a heartbeat; a killed worker's jobs return after it.
    var leaseSeconds: Int
    /// Attempts before a job goes to the dead set.
    var maxAttempts: Int

    init(settings: Settings) throws(ConfigurationError) {
        platform = try PlatformConfiguration(settings: settings)
        host = settings.string("WORKER_HOST", default: "127.0.0.1")
        port = try settings.int("WORKER_PORT", default: 9100, range: 0...65_535)
        concurrency = try settings.int("CONCURRENCY", default: 128, range: 1...1024)
        leaseSeconds = try settings.int("JOB_LEASE_SECONDS", default: 5, range: 1...600)
        maxAttempts = try settings.int("JOB_MAX_ATTEMPTS", default: 5, range: 1...100)
    }
}
