import Foundation
import Logging
import ProcessSupport
import Store
import StoreClients

/// One call from a job to its stores, bounded: a query whose pool connection a Postgres restart
/// stranded never answers nor fails, and must not hold a batch (or the dispatcher) until its
/// timeout. ``DeadlineExceeded`` counts as an outage, so the job is handed back.
enum StoreCall {
    static let deadline = Duration.seconds(10)

    static func bounded<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Deadline.race(deadline, work)
    }

    /// Records a delivery's attempt in the ledger, bounded (both delivery kinds do).
    static func record(_ attempt: DeliveryAttempt, of id: UUID, in ledger: DeliveryLedger, logger: Logger) async throws {
        try await record([(id, attempt)], in: ledger, logger: logger)
    }

    /// Records a batch's attempts in one bounded statement.
    static func record(_ attempts: [(id: UUID, attempt: DeliveryAttempt)], in ledger: DeliveryLedger, logger: Logger) async throws {
        try await bounded { try await ledger.record(attempts, logger: logger) }
    }

    /// The outcome of a job whose store call failed: handed back for an outage, failed (and
    /// logged) for anything else.
    static func outcome(of error: any Error, logger: Logger) -> JobOutcome {
        if StoreFailure(error)?.kind == .transient { return .unavailable }
        logger.error("delivery failed unexpectedly", metadata: Logger.Metadata.describing(error))
        return .failed("internal error")
    }
}
