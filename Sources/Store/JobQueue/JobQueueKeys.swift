/// The Redis keys of one kind's queue. Each kind's keys share one hash tag, so every script of
/// the queue stays on one cluster slot; the transition queue keeps the `{orders}` names it had
/// before there were kinds, so an upgrade moves no data.
public struct JobQueueKeys: Sendable, Equatable {
    /// member → due ms.
    public let scheduled: String
    /// member → lease expiry ms.
    public let inflight: String
    /// member → when it died.
    public let dead: String
    /// A list a sleeping worker blocks on; pushed when a job becomes the earliest.
    public let wake: String
    /// Set by the reconciler once the schedule matches Postgres; gone when Redis lost its data.
    public let epoch: String
    /// The token of the reconciler pass under way: the epoch is set only if it survives the pass.
    let pass: String
    /// Jobs finished since the counter began (charted by the operations page).
    public let done: String
    /// Samples of the queue over the last minutes: bucket → "lag ms,done counter".
    public let history: String
    /// The fencing-token counter.
    let fence: String
    /// Prefix of the hash kept per job (owner, token, attempts, due, created, error).
    let jobPrefix: String

    init(kind: JobKind) {
        let prefix = kind == .transition ? "jobs:{orders}:" : "jobs:{\(kind.rawValue)}:"
        scheduled = prefix + "scheduled"
        inflight = prefix + "inflight"
        dead = prefix + "dead"
        wake = prefix + "wake"
        epoch = prefix + "epoch"
        pass = prefix + "pass"
        done = prefix + "done"
        history = prefix + "history"
        fence = prefix + "fence"
        jobPrefix = prefix + "job:"
    }

    /// The hash kept for one job.
    public func job(_ member: String) -> String { jobPrefix + member }
}
