import Foundation
import Testing

@testable import Store

/// How a batch's unmoved orders are told apart (the second look of `processDue`).
@Suite("Order transitions")
struct OrderTransitionsTests {
    @Test func anOrderCommittedAfterTheUpdateLookedIsLookedForAgain() {
        let (early, committedLate, done, absent) = (UUID(), UUID(), UUID(), UUID())
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let (notYetDue, missing) = OrderTransitions.unmoved(
            [early, committedLate, done, absent],
            found: [
                (early, true, true, at),
                // Pending and due, yet the update did not move it: it committed after the update looked.
                (committedLate, true, false, at),
                // Moved or cancelled by someone else already.
                (done, false, false, at),
            ]
        )
        #expect(notYetDue == [early: at])
        #expect(missing == [committedLate, absent])
    }
}
