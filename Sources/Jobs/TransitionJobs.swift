import Foundation
import Logging
import Store
import StoreClients

/// The `transition` kind: a batch of due orders moves pending → processing in one conditional
/// statement (`OrderTransitions.processDue`).
struct TransitionJobs: JobHandler {
    let kind = JobKind.transition
    let policy: JobPolicy
    let transitions: OrderTransitions
    let reconciler: Reconciler
    /// The `payment_capture` queue, with payments on: an order moved with an authorised payment
    /// is captured by its job.
    let captures: JobQueue?

    /// Pooled connections opened and prepared before orders fall due after a quiet stretch.
    let warmConnections: Int

    init(policy: JobPolicy, transitions: OrderTransitions, reconciler: Reconciler, captures: JobQueue? = nil, warmConnections: Int = 4) {
        self.policy = policy
        self.transitions = transitions
        self.reconciler = reconciler
        self.captures = captures
        self.warmConnections = warmConnections
    }

    /// The policy from the worker's settings: a batch applies within a second. Batches overlap:
    /// an order falling due while the previous batch's commit waits on a busy disk is claimed
    /// and applied at once, not after it (each job is claimed once, and the move is conditional).
    /// Orders are claimed `claimAhead` before they fall due and moved at their due time.
    static func policy(concurrency: Int, lease: Duration, maxAttempts: Int, claimAhead: Duration = .zero) -> JobPolicy {
        JobPolicy(
            concurrency: concurrency, lease: lease, timeout: .seconds(1), maxAttempts: maxAttempts, maxAge: nil, overlapping: true,
            claimAhead: claimAhead, punctual: true, backoff: JobPolicy.exponential())
    }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await process(jobs, startingAt: nil, logger: logger)
    }

    /// Orders claimed ahead: the move's transaction begins now and the move goes out at `start`.
    func process(_ jobs: [ClaimedJob], startingAt start: ContinuousClock.Instant?, logger: Logger) async -> [JobOutcome] {
        let ids = jobs.compactMap(\.orderID)
        do {
            // Bounded by the runner (the policy's 1 s timeout), as every kind is.
            let outcome = try await transitions.processDue(ids, reason: "auto-processed", startingAt: start, logger: logger)
            let now = Date()
            if let captures, !outcome.toCapture.isEmpty {
                await enqueueCaptures(outcome.toCapture, in: captures, logger: logger)
            }
            return jobs.map { job in
                guard let orderID = job.orderID else { return .noop }
                if outcome.moved.contains(orderID) { return .applied }
                // Retried, then dead-lettered where operators see it; the batch moved without it.
                if outcome.refused.contains(orderID) { return .failed("the database refuses its move") }
                // Its payment's authorisation schedules it again; until then it waits unscheduled.
                if outcome.awaitingPayment.contains(orderID) { return .noop }
                if let due = outcome.notYetDue[orderID] { return .later(due) }
                // A job is enqueued just before its order's commit: an order not there yet is looked
                // for again shortly, for a while; after that it never committed, and its job is done.
                if outcome.missing.contains(orderID), now.timeIntervalSince(job.dueAt) < 10 { return .later(now.addingTimeInterval(0.2)) }
                return .noop
            }
        } catch  where StoreFailure(error)?.kind == .transient {
            logger.warning(
                "database unavailable; handing the batch back", metadata: Logger.Metadata.describing(error, ["job.count": "\(jobs.count)"]))
            return jobs.map { _ in .unavailable }
        } catch {
            logger.error(
                "applying a batch failed; retrying its jobs", metadata: Logger.Metadata.describing(error, ["job.count": "\(jobs.count)"]))
            return jobs.map { _ in .failed("apply failed") }
        }
    }

    /// The captures of orders just moved, at once; what fails here the captures' reconciler
    /// finds (an authorised payment of an order past pending).
    func enqueueCaptures(_ orders: Set<UUID>, in captures: JobQueue, logger: Logger) async {
        do {
            let now = Date()
            try await captures.enqueue(orders.map { ($0.lowercasedString, now) }, logger: logger)
        } catch {
            logger.warning(
                "could not enqueue the captures of moved orders; the reconciler will",
                metadata: Logger.Metadata.describing(error, ["job.count": "\(orders.count)"]))
        }
    }

    func warm(logger: Logger) async {
        await transitions.warm(connections: warmConnections)
    }

    func reconcile(owner: String, interval: Duration, logger: Logger) async throws {
        guard try await reconciler.lead(owner: owner, interval: interval, logger: logger) else { return }
        _ = try await reconciler.runOnce(logger: logger)
    }

    func reconcileUrgently(owner: String, reason: String, logger: Logger) async {
        do {
            if let report = try await reconciler.runUrgently(owner: owner, logger: logger) {
                logger.notice(
                    "reconciled at once",
                    metadata: [
                        "reconcile.reason": "\(reason)", "reconcile.updated": "\(report.updated)",
                        "reconcile.enqueued": "\(report.enqueued)",
                    ])
            }
        } catch {
            logger.warning("urgent reconcile failed", metadata: Logger.Metadata.describing(error, ["reconcile.reason": "\(reason)"]))
        }
    }
}
