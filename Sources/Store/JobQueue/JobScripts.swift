import Redis

/// The job queue's Lua scripts (`JobQueue/Scripts/job-*.lua`). All keys of one kind share a hash
/// tag (one cluster slot: ``JobQueueKeys``), and every script reads Redis's clock, so workers'
/// clocks never matter.
///
/// Keys: scheduled (zset member → due ms), inflight (zset member → lease expiry ms), dead (zset
/// member → when it died), wake (list), fence (counter), and one hash per job with its owner,
/// fencing token, attempts, due time, first enqueue time and last error.
enum JobScripts {
    /// KEYS: scheduled, inflight, dead, wake, job. ARGV: member, due ms.
    /// Adds the job unless it is already scheduled, running or dead; wakes a sleeping worker
    /// when it is now the earliest job. Returns 1 when added.
    static let enqueue = BundledScripts.load("job-enqueue")

    /// KEYS: scheduled, inflight, fence, epoch. ARGV: worker id, batch size, lease ms, job key prefix,
    /// ahead ms (optional). Moves up to `batch size` jobs due within `ahead` ms in flight. Returns {now, next due or -1, epoch present
    /// (1/0), member, token, attempts, due, member, token, ...}; a missing epoch means Redis lost
    /// the schedule (a flush, a restart without its data) and the reconciler must refill it now.
    static let claim = BundledScripts.load("job-claim")

    /// KEYS: inflight, job, done counter. ARGV: member, token. Finishes a job; refused (0) for a
    /// stale token.
    static let ack = BundledScripts.load("job-ack")

    /// KEYS: history, done counter. ARGV: lag ms, bucket ms, buckets kept. One sample per bucket.
    static let history = BundledScripts.load("job-history")

    /// KEYS: inflight, job. ARGV: member, token, lease ms. Extends the lease of a job still owned.
    static let extend = BundledScripts.load("job-extend")

    /// KEYS: scheduled, inflight, dead, job, wake. ARGV: member, token, delay ms, error, max attempts,
    /// max age ms (0: none). Reschedules a failed job after `delay`, or moves it to dead past the
    /// attempt limit or its maximum age.
    /// Returns 1 retried, 2 dead, 0 stale token.
    static let retry = BundledScripts.load("job-retry")

    /// KEYS: scheduled, inflight, job, wake. ARGV: member, token, due ms. Puts a claimed job back
    /// to run at `due` in one step (it ran too early: not an attempt). Returns 1, or 0 for a stale token.
    static let reschedule = BundledScripts.load("job-reschedule")

    /// KEYS: pass, epoch. ARGV: the pass's token, epoch value. Marks the schedule whole after a
    /// reconciler pass unless Redis lost the pass's token meanwhile. Returns 1 when marked.
    static let finishPass = BundledScripts.load("job-pass-finish")

    /// KEYS: scheduled, inflight, wake, job. ARGV: member, token.
    /// Hands a claimed job back at once (graceful shutdown), not counting the attempt.
    static let release = BundledScripts.load("job-release")

    /// KEYS: scheduled, inflight, wake, then each given job. ARGV: owner prefix, current owner,
    /// then the members. Hands back, due as before, each given job leased by an earlier process
    /// of the same worker instance (the owner prefix names host and port: that process is gone,
    /// since the port is ours now), so its jobs need not wait for their leases to run out.
    /// Returns how many.
    static let releaseAbandoned = BundledScripts.load("job-release-abandoned")

    /// KEYS: inflight. ARGV: limit. The members whose lease expired by Redis's clock.
    static let expired = BundledScripts.load("job-expired")

    /// KEYS: scheduled, inflight, dead, wake, then each given job. ARGV: max attempts, then the
    /// members. Returns each given job whose lease expired to the schedule (due now), or to dead
    /// past the attempts. Returns {recovered, dead}.
    static let reap = BundledScripts.load("job-reap")

    /// KEYS: scheduled, dead, wake, job. ARGV: member. Puts a dead job back, due now.
    static let resurrect = BundledScripts.load("job-resurrect")
}
