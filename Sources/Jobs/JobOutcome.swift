import Foundation

/// What became of one claimed job; the worker's runner turns it into the queue's operation.
enum JobOutcome: Sendable, Equatable {
    /// Done, and it changed something (counted, its lateness recorded).
    case applied
    /// Done with nothing to change (its order moved or was cancelled already).
    case noop
    /// Done for now; the same job runs again at this time (not an attempt: it was early).
    case later(Date)
    /// Failed: retried after the kind's backoff, or after `retryAfter` when the peer named one,
    /// dead past its attempts or age.
    case failed(String, retryAfter: Duration? = nil)
    /// Failed for good (a peer's permanent refusal): dead at once, whatever attempts are left.
    case dead(String)
    /// Its store did not answer: handed back due as it was, the attempt not counted.
    case unavailable
}
