import Foundation
import Logging
import OrderEmail
import SMTP
import Store
import StoreClients

/// The `email` kind: one message per (event, recipient), written by ``OrderEmails`` and handed
/// to `SMTP_URL`; a batch goes over a few connections side by side and shares one ledger write.
/// The ledger records the server's acceptance before the jobs are acked: a worker that dies
/// between the two sends the batch's messages again, with the same Message-IDs (the window is
/// the batch).
struct EmailJobs: LedgerJobHandler {
    let kind = JobKind.email
    let policy: JobPolicy
    let ledger: DeliveryLedger
    let events: OrderEventLog
    let emails: OrderEmails
    let smtp: SMTPConfiguration
    /// Connections one batch sends over side by side (`EMAIL_CONNECTIONS`).
    let connections: Int
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
        var outcomes = [JobOutcome](repeating: .noop, count: jobs.count)
        let ids = jobs.map { UUID(parsing: $0.member) }
        // The batch's rows and events, in three statements whatever its size.
        let owed: [UUID: OwedDelivery]
        let events: [Int64: PublishedOrderEvent]
        do {
            (owed, events) = try await StoreCall.bounded { [ledger, self] in
                let owed = try await ledger.owed(ids.compactMap { $0 }, logger: logger)
                let positions = Set(owed.values.filter { !$0.blocked }.map(\.delivery.eventPosition))
                let events = try await self.events.events(at: Array(positions), logger: logger)
                return (owed, Dictionary(events.map { ($0.position, $0) }, uniquingKeysWith: { first, _ in first }))
            }
        } catch {
            return Array(repeating: StoreCall.outcome(of: error, logger: logger), count: jobs.count)
        }
        var records: [(index: Int, id: UUID, attempt: DeliveryAttempt)] = []
        var letters: [Letter] = []
        for (index, job) in jobs.enumerated() {
            guard let id = ids[index], let work = owed[id] else { continue }
            if work.blocked {
                outcomes[index] = .later(Date().addingTimeInterval(1))
                continue
            }
            guard let event = events[work.delivery.eventPosition] else {
                records.append((index, id, DeliveryAttempt(result: .failed(final: true), error: "event no longer exists")))
                continue
            }
            letters.append(
                Letter(
                    index: index, id: id, message: emails.message(for: event, to: work.delivery.target),
                    final: job.attempts >= policy.maxAttempts))
        }
        // Side by side over a few connections, each taking every n-th letter in turn.
        let lanes = max(1, min(letters.count, connections))
        let ready = letters
        let sent = await withTaskGroup(of: [(Letter, DeliveryAttempt, JobOutcome)].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var connection: SMTPConnection?
                    var sent: [(Letter, DeliveryAttempt, JobOutcome)] = []
                    for letter in stride(from: lane, to: ready.count, by: lanes).map({ ready[$0] }) {
                        var logger = logger
                        logger[metadataKey: "delivery.id"] = "\(letter.id)"
                        let (attempt, outcome) = await send(letter.message, final: letter.final, over: &connection, logger: logger)
                        sent.append((letter, attempt, outcome))
                    }
                    await connection?.close()
                    return sent
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        for (letter, attempt, outcome) in sent {
            records.append((letter.index, letter.id, attempt))
            outcomes[letter.index] = outcome
        }
        // Acceptance is recorded once for the batch (the same Message-IDs if it is sent again).
        await StoreCall.record(records, settling: &outcomes, in: ledger, logger: logger)
        return outcomes
    }

    /// One message of a batch, ready to send.
    struct Letter: Sendable {
        var index: Int
        var id: UUID
        var message: MailMessage
        /// No attempt follows this one (a failure is dead).
        var final: Bool
    }

    /// Hands one message to the server over the batch's connection (opened on first use, dropped
    /// when it breaks): the attempt to record and the job's outcome.
    func send(_ message: MailMessage, final: Bool, over connection: inout SMTPConnection?, logger: Logger) async -> (
        DeliveryAttempt, JobOutcome
    ) {
        let started = ContinuousClock.now
        func took() -> Int { Int((ContinuousClock.now - started).milliseconds) }
        defer {
            if took() > 5000 { logger.warning("email hand-over slow", metadata: ["email.took": "\(took()) ms"]) }
        }
        do {
            if connection == nil { connection = try await SMTPConnection.open(smtp) }
            try await connection!.send(message)
            return (DeliveryAttempt(result: .delivered, responseStatus: 250, durationMilliseconds: took()), .applied)
        } catch {
            let error = error as? SMTPError ?? SMTPError(code: nil, message: "the mail server failed", isTransient: true)
            // A broken connection is not reused for the rest of the batch.
            if error.code == nil || connection?.isUsable != true {
                await connection?.close()
                connection = nil
            }
            let permanent = !error.isTransient
            return (
                DeliveryAttempt(
                    result: .failed(final: final || permanent), responseStatus: error.code, durationMilliseconds: took(),
                    error: error.message),
                permanent ? .dead(error.message) : .failed(error.message)
            )
        }
    }
}
