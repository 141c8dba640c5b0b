/// The Redis keys of one partition of a kind's queue, all under the tag `{<kind>:<index>}`.
/// What is kept per job is a field (the member) of one hash per attribute, so every script
/// declares every key it touches however many jobs it moves.
public struct JobPartitionKeys: Sendable, Equatable {
    public let index: Int
    /// member → due ms.
    public let scheduled: String
    /// member → lease expiry ms.
    public let inflight: String
    /// member → when it died.
    public let dead: String
    /// Set by the reconciler once the partition matches Postgres; gone when Redis lost its data.
    public let epoch: String
    /// The token of the reconciler pass under way: the epoch is set only if it survives the pass.
    let pass: String
    /// The fencing-token counter.
    let fence: String
    /// member → attempts so far.
    public let attempts: String
    /// member → the worker that holds its lease.
    public let owner: String
    /// member → the fencing token of its current lease ("" once handed back).
    public let token: String
    /// member → due ms (kept while it runs: a job handed back is due as before).
    public let due: String
    /// member → its first enqueue time, for its kind's maximum age.
    public let created: String
    /// member → its last error.
    public let error: String

    init(kind: JobKind, index: Int) {
        self.index = index
        let prefix = "jobs:{\(kind.rawValue):\(index)}:"
        scheduled = prefix + "scheduled"
        inflight = prefix + "inflight"
        dead = prefix + "dead"
        epoch = prefix + "epoch"
        pass = prefix + "pass"
        fence = prefix + "fence"
        attempts = prefix + "attempts"
        owner = prefix + "owner"
        token = prefix + "token"
        due = prefix + "due"
        created = prefix + "created"
        error = prefix + "error"
    }

    /// The per-job hashes, in the order the scripts that clear a job take them.
    var fields: [String] { [attempts, owner, token, due, created, error] }
}
