import Foundation

/// How a worker runs the jobs of one kind: how many at once, how long one may take, and how a
/// failure is retried.
struct JobPolicy: Sendable {
    /// Jobs of this kind one process runs at once (and claims at most in one claim).
    var concurrency: Int
    /// How long a claimed job stays ours without a heartbeat; a killed worker's jobs return after it.
    var lease: Duration
    /// A batch that has not finished by then counts as failed (or, for a store outage, is handed back).
    var timeout: Duration
    /// Attempts before a job goes dead.
    var maxAttempts: Int
    /// A job that would run later than this after its first enqueue goes dead instead.
    var maxAge: Duration?
    /// Whether a new claim may start while earlier batches still run (deliveries waiting on slow
    /// peers), or each batch finishes first (transitions: one database statement per batch).
    var overlapping: Bool
    /// How far ahead of their due time jobs are claimed, each batch then started at its due time
    /// (overlapping kinds only): the claim's round trip and the loop's wake-up happen before the
    /// due time instead of after it.
    var claimAhead: Duration = .zero
    /// Whether this kind's lateness matters most in its worker (transitions): the other kinds
    /// there give way while its batches settle late (``GiveWay``).
    var punctual = false
    /// The wait before attempt `n + 1` after attempt `n` failed.
    var backoff: @Sendable (_ attempt: Int) -> Duration

    /// Exponential backoff with full jitter: up to `base` × 2^(attempt−1), at most `ceiling`.
    static func exponential(base: Duration = .milliseconds(200), ceiling: Duration = .seconds(30)) -> @Sendable (Int) -> Duration {
        { attempt in
            let cap = min(ceiling.milliseconds, base.milliseconds * pow(2.0, Double(max(0, attempt - 1))))
            return .milliseconds(Int64(Double.random(in: cap / 2...cap)))
        }
    }

    /// A fixed schedule of waits (the n-th failure waits the n-th entry, the last one repeating),
    /// each with ±10 % jitter so retries of one outage do not arrive together.
    static func schedule(_ waits: [Duration]) -> @Sendable (Int) -> Duration {
        { attempt in
            guard let wait = waits.isEmpty ? nil : waits[min(max(0, attempt - 1), waits.count - 1)] else { return .zero }
            let milliseconds = wait.milliseconds
            return .milliseconds(Int64(milliseconds * Double.random(in: 0.9...1.1)))
        }
    }
}

extension Duration {
    /// The duration in (fractional) milliseconds.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
