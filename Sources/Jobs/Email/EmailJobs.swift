import Foundation
import Logging
import OrderEmail
import SMTP
import Store
import StoreClients

/// The `email` kind: one message per (event, recipient), written by ``OrderEmails`` and handed
/// to `SMTP_URL`; a batch shares one connection. The ledger records the server's acceptance
/// before the job is acked: a worker that dies between the two sends the message again, with
/// the same Message-ID (the window is one ledger write).
struct EmailJobs: JobHandler {
    let kind = JobKind.email
    let policy: JobPolicy
    let ledger: DeliveryLedger
    let events: OrderEventLog
    let emails: OrderEmails
    let smtp: SMTPConfiguration
    let reconciler: DeliveryReconciler

    /// Retries a refused or failed hand-over for about a day: 30 s, 2 min, 10 min, 30 min, 1 h,
    /// 2 h, 4 h, 8 h, 8 h (±10 %), then dead.
    static func policy(concurrency: Int, lease: Duration) -> JobPolicy {
        JobPolicy(
            concurrency: concurrency, lease: lease, timeout: .seconds(120), maxAttempts: 10, maxAge: .seconds(2 * 86_400),
            overlapping: true,
            backoff: JobPolicy.schedule([
                .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600), .seconds(7200), .seconds(14_400),
                .seconds(28_800),
            ]))
    }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        var connection: SMTPConnection?
        var outcomes: [JobOutcome] = []
        for job in jobs {
            var logger = logger
            logger[metadataKey: "delivery.id"] = "\(job.member)"
            outcomes.append(await send(job, over: &connection, logger: logger))
        }
        await connection?.close()
        return outcomes
    }

    func send(_ job: ClaimedJob, over connection: inout SMTPConnection?, logger: Logger) async -> JobOutcome {
        let begun = ContinuousClock.now
        var stage = "read"
        defer {
            if ContinuousClock.now - begun > .seconds(5) {
                logger.warning("email slow", metadata: ["email.stage": "\(stage)", "email.took": "\(ContinuousClock.now - begun)"])
            }
        }
        guard let id = UUID(uuidString: job.member) else { return .noop }
        let final = job.attempts >= policy.maxAttempts
        do {
            let found = try await StoreCall.bounded { [ledger, events] () -> (Delivery, PublishedOrderEvent?, Bool)? in
                guard let delivery = try await ledger.find(id, logger: logger), delivery.state != .delivered else { return nil }
                if try await ledger.hasEarlierOwed(delivery, logger: logger) { return (delivery, nil, true) }
                return (delivery, try await events.events(at: [delivery.eventPosition], logger: logger).first, false)
            }
            guard let (delivery, event, blocked) = found else { return .noop }
            if blocked { return .later(Date().addingTimeInterval(1)) }
            guard let event else {
                try await StoreCall.record(
                    DeliveryAttempt(result: .failed(final: true), error: "event no longer exists"), of: id, in: ledger, logger: logger)
                return .noop
            }
            stage = "render"
            let message = emails.message(for: event, to: delivery.target)
            let started = ContinuousClock.now
            do {
                stage = "open"
                if connection == nil { connection = try await SMTPConnection.open(smtp) }
                stage = "send"
                try await connection!.send(message)
                stage = "record"
            } catch let error as SMTPError {
                // A broken connection is not reused for the rest of the batch.
                if error.code == nil {
                    await connection?.close()
                    connection = nil
                }
                let permanent = !error.isTransient
                try await StoreCall.record(
                    DeliveryAttempt(
                        result: .failed(final: final || permanent), responseStatus: error.code,
                        durationMilliseconds: Int((ContinuousClock.now - started).milliseconds), error: error.message),
                    of: id, in: ledger, logger: logger)
                return permanent ? .dead(error.message) : .failed(error.message)
            }
            try await StoreCall.record(
                DeliveryAttempt(
                    result: .delivered, responseStatus: 250, durationMilliseconds: Int((ContinuousClock.now - started).milliseconds)),
                of: id, in: ledger, logger: logger)
            return .applied
        } catch  where StoreFailure(error)?.kind == .transient {
            return .unavailable
        } catch {
            logger.error("email delivery failed unexpectedly", metadata: Logger.Metadata.describing(error))
            return .failed("internal error")
        }
    }

    func reconcile(owner: String, interval: Duration, logger: Logger) async throws {
        try await reconciler.reconcile(owner: owner, interval: interval, logger: logger)
    }

    func reconcileUrgently(owner: String, reason: String, logger: Logger) async {
        await reconciler.reconcileUrgently(owner: owner, reason: reason, logger: logger)
    }
}
