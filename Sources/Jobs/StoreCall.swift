import Foundation
import Logging
import ProcessSupport
import Store
import StoreClients

/// One call from a job to its stores, bounded: a query that neither answers nor fails (a store
/// gone silent; at a restart, before `Database` refused connections closed under it,
/// docs/postgres-nio-pool-restart.md §5) must not hold a batch (or the dispatcher) until its
/// timeout. ``DeadlineExceeded`` counts as an outage, so the job is handed back.
enum StoreCall {
    static let deadline = Duration.seconds(10)

    static func bounded<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Deadline.race(deadline, work)
    }

    /// Records a batch's attempts in one bounded write, after `first` (bounded too), before the
    /// jobs are acked: a worker that dies in between sends the batch again, with the same ids.
    /// When either fails, every job with a record takes the failure's outcome instead of its own.
    static func record(
        _ records: [(index: Int, id: UUID, attempt: DeliveryAttempt)], settling outcomes: inout [JobOutcome],
        in ledger: DeliveryLedger, logger: Logger, first: @escaping @Sendable () async throws -> Void = {}
    ) async {
        let attempts = records.map { ($0.id, $0.attempt) }
        do {
            try await bounded(first)
            // What was sent is sent: a write that fails for a moment is tried again within the
            // bound rather than handing the batch back to be sent twice.
            try await bounded {
                var pause = Duration.milliseconds(50)
                while true {
                    do {
                        return try await ledger.record(attempts, logger: logger)
                    } catch  where StoreFailure(error)?.kind == .transient && !Task.isCancelled {
                        try await Task.sleep(for: pause)
                        pause = min(pause * 2, .seconds(1))
                    }
                }
            }
        } catch {
            let outcome = outcome(of: error, logger: logger)
            for record in records { outcomes[record.index] = outcome }
        }
    }

    /// The outcome of a job whose store call failed: handed back for an outage, failed (and
    /// logged) for anything else.
    static func outcome(of error: any Error, logger: Logger) -> JobOutcome {
        if StoreFailure(error)?.kind == .transient { return .unavailable }
        logger.error("delivery failed unexpectedly", metadata: Logger.Metadata.describing(error))
        return .failed("internal error")
    }
}
