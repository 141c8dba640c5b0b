import Logging
import Redis

/// A cluster-wide lease in Redis: whoever holds the key does the work (a reconciler's pass, the
/// delivery dispatcher). Taken or renewed in one atomic step.
struct RedisLease: Sendable {
    let key: String
    let redis: RedisClient

    static let script = BundledScripts.load("lease-take")

    /// Takes the lease for `duration`, or renews it when `owner` holds it; true when it does.
    func take(owner: String, for duration: Duration, logger: Logger) async throws -> Bool {
        try await redis.run(Self.script, keys: [key], arguments: [owner, JobQueue.milliseconds(duration)], logger: logger).int == 1
    }
}
