import Logging
import Store

/// What a worker does with the jobs of one kind.
protocol JobHandler: Sendable {
    var kind: JobKind { get }
    var policy: JobPolicy { get }

    /// Runs a claimed batch; one outcome per job, in order. The runner bounds it by
    /// ``JobPolicy/timeout``: a batch still running then is handed back whole.
    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome]

    /// Runs a batch claimed ahead that must not start before `start` (nil: at once), called a
    /// little before it so the handler can get ready; by default it waits, then runs it.
    func process(_ jobs: [ClaimedJob], startingAt start: ContinuousClock.Instant?, logger: Logger) async -> [JobOutcome]

    /// The periodic pass that makes this kind's schedule agree with Postgres, by whichever worker
    /// holds its lease.
    func reconcile(owner: String, interval: Duration, logger: Logger) async throws

    /// An urgent pass: Redis came back, or lost this kind's schedule.
    func reconcileUrgently(owner: String, reason: String, logger: Logger) async

    /// Makes ready for jobs due soon after a quiet stretch (opens and prepares connections).
    func warm(logger: Logger) async
}

extension JobHandler {
    func process(_ jobs: [ClaimedJob], startingAt start: ContinuousClock.Instant?, logger: Logger) async -> [JobOutcome] {
        if let start { try? await Task.sleep(until: start, clock: .continuous) }
        return await process(jobs, logger: logger)
    }

    func warm(logger: Logger) async {}
}
