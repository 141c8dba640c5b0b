import ProcessSupport

/// One call from a job to its stores, bounded: a query whose pool connection a Postgres restart
/// stranded never answers nor fails, and must not hold a batch (or the dispatcher) until its
/// timeout. ``DeadlineExceeded`` counts as an outage, so the job is handed back.
enum StoreCall {
    static let deadline = Duration.seconds(10)

    static func bounded<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Deadline.race(deadline, work)
    }
}
