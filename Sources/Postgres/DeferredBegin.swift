import Synchronization

/// A transaction's BEGIN, not sent until its first statement: it goes out in the same step on
/// the connection, ahead of that statement, so starting a transaction costs no round trip of its
/// own (and one whose body fails before any statement costs none at all).
final class DeferredBegin: Sendable {
    private let sent = Atomic<Bool>(false)

    /// True the first time only: that caller sends BEGIN ahead of its statement.
    func take() -> Bool {
        !sent.exchange(true, ordering: .relaxed)
    }

    /// Whether BEGIN went out (or was about to): the transaction needs its COMMIT or ROLLBACK.
    var wasSent: Bool { sent.load(ordering: .relaxed) }
}
