import Metrics
import Store

/// The worker's Prometheus metrics for one kind of job (every one labelled `kind`).
struct JobMetrics: Sendable {
    let claimed: Counter
    let applied: Counter
    /// Jobs that had nothing to change (their order was cancelled or moved already).
    let noop: Counter
    let retried: Counter
    let dead: Counter
    /// Jobs returned to the schedule after their owner's lease expired.
    let recovered: Counter
    /// Jobs handed back unapplied because their store did not answer (attempts not counted).
    let released: Counter
    /// Applied time minus due time.
    let lateness: Timer
    let scheduled: Gauge
    let due: Gauge
    let inFlight: Gauge
    let deadDepth: Gauge

    init(kind: JobKind) {
        let label = ("kind", kind.rawValue)
        claimed = Counter(label: "jobs_claimed_total", dimensions: [label])
        applied = Counter(label: "jobs_applied_total", dimensions: [label])
        noop = Counter(label: "jobs_noop_total", dimensions: [label])
        retried = Counter(label: "jobs_retried_total", dimensions: [label])
        dead = Counter(label: "jobs_dead_total", dimensions: [label])
        recovered = Counter(label: "jobs_recovered_total", dimensions: [label])
        released = Counter(label: "jobs_released_total", dimensions: [label])
        lateness = Timer(label: "jobs_lateness_seconds", dimensions: [label], preferredDisplayUnit: .seconds)
        scheduled = Gauge(label: "jobs_queue_depth", dimensions: [label, ("queue", "scheduled")])
        due = Gauge(label: "jobs_queue_depth", dimensions: [label, ("queue", "due")])
        inFlight = Gauge(label: "jobs_queue_depth", dimensions: [label, ("queue", "in_flight")])
        deadDepth = Gauge(label: "jobs_queue_depth", dimensions: [label, ("queue", "dead")])
    }

    func record(_ depth: QueueDepth) {
        scheduled.record(depth.scheduled)
        due.record(depth.due)
        inFlight.record(depth.inFlight)
        deadDepth.record(depth.dead)
    }
}
