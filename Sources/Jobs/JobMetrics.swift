import Metrics
import Store

/// The worker's Prometheus metrics.
struct JobMetrics: Sendable {
    let claimed = Counter(label: "jobs_claimed_total")
    let applied = Counter(label: "jobs_applied_total")
    /// Jobs whose order was cancelled or moved already.
    let noop = Counter(label: "jobs_noop_total")
    let retried = Counter(label: "jobs_retried_total")
    let dead = Counter(label: "jobs_dead_total")
    /// Jobs returned to the schedule after their owner's lease expired.
    let recovered = Counter(label: "jobs_recovered_total")
    /// Jobs handed back unapplied because the database did not answer (attempts not counted).
    let released = Counter(label: "jobs_released_total")
    /// Applied time minus due time.
    let lateness = Timer(label: "jobs_lateness_seconds", preferredDisplayUnit: .seconds)
    let scheduled = Gauge(label: "jobs_queue_depth", dimensions: [("queue", "scheduled")])
    let due = Gauge(label: "jobs_queue_depth", dimensions: [("queue", "due")])
    let inFlight = Gauge(label: "jobs_queue_depth", dimensions: [("queue", "in_flight")])
    let deadDepth = Gauge(label: "jobs_queue_depth", dimensions: [("queue", "dead")])

    func record(_ depth: QueueDepth) {
        scheduled.record(depth.scheduled)
        due.record(depth.due)
        inFlight.record(depth.inFlight)
        deadDepth.record(depth.dead)
    }
}
