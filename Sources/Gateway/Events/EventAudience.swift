import Foundation
import Store

/// Which open streams may see an event, indexed by who watches: staff streams see every event, a
/// customer's only their own orders'. The fan-out asks it for an event's candidates instead of
/// testing every open stream (1,000 streams, 200 events a second: 200,000 tests a second, most of
/// them no). It narrows, it does not decide: the fan-out still checks each candidate with
/// `PublishedOrderEvent.isVisible(to:)`, so the index only has to hold a superset of that rule.
struct EventAudience {
    private var staff: Set<Int> = []
    private var customers: [UUID: Set<Int>] = [:]

    mutating func insert(_ id: Int, actor: Actor) {
        if actor.isStaff {
            staff.insert(id)
        } else {
            customers[actor.id, default: []].insert(id)
        }
    }

    mutating func remove(_ id: Int, actor: Actor) {
        if actor.isStaff {
            staff.remove(id)
        } else if var ids = customers[actor.id] {
            ids.remove(id)
            customers[actor.id] = ids.isEmpty ? nil : ids
        }
    }

    /// The streams that may see an event of `customerID`'s order.
    func candidates(forOrderOf customerID: UUID) -> [Int] {
        Array(staff) + (customers[customerID].map(Array.init) ?? [])
    }
}
