import Logging
import Store

/// A kind whose jobs point at rows of a Postgres ledger: its reconciler passes are the
/// ``LedgerReconciler``'s (what the ledger still owes, enqueued again unless Redis has it).
protocol LedgerJobHandler: JobHandler {
    var reconciler: LedgerReconciler { get }
}

extension LedgerJobHandler {
    func reconcile(owner: String, interval: Duration, logger: Logger) async throws {
        try await reconciler.reconcile(owner: owner, interval: interval, logger: logger)
    }

    func reconcileUrgently(owner: String, reason: String, logger: Logger) async {
        await reconciler.reconcileUrgently(owner: owner, reason: reason, logger: logger)
    }
}
