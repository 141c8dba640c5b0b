import Redis

/// The Lua scripts behind ``SessionStore``. Every key of one user shares the hash tag `{<user id>}`,
/// so each script touches one cluster slot and runs atomically on Redis Cluster too; each
/// declares every key it touches (in `KEYS`), as Redis requires of a script on a cluster.
enum SessionScripts {
    /// Starts a session; past the cap, the oldest sessions end (expired ids are pruned first).
    /// KEYS: session, index, then the session of each given id. ARGV: user id, role, refresh hash,
    /// ttl ms, user agent, ip, session id, most sessions, then the given ids. Answers `RETRY` when
    /// the cap needs a session ended that it was not given.
    static let create = BundledScripts.load("session-create")

    /// Authenticates a request: returns the session's role, or nil when it is gone.
    /// Refreshes `last_seen_at` at most every 30 s to keep the hot path read-mostly.
    /// KEYS: session.
    static let touch = BundledScripts.load("session-touch", using: ["session-role"])

    /// Rotates a refresh token. Returns {1, role} on success, {-1} when the presented hash is not
    /// the current one (reuse: the session is deleted), {0} when there is no session.
    /// KEYS: session, index. ARGV: presented hash, new hash, ttl ms, session id.
    static let rotate = BundledScripts.load("session-rotate")

    /// Deletes every session of a user. KEYS: index, then the session of each given id. ARGV: the
    /// given ids. Answers `RETRY` when the index lists a session it was not given.
    static let revokeAll = BundledScripts.load("session-revoke-all")
}
