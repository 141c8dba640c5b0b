import Foundation
import Store
import Testing

@testable import Gateway

@Suite("The fan-out's index of who watches")
struct EventAudienceTests {
    let alice = Actor(id: UUID(), role: .customer)
    let bob = Actor(id: UUID(), role: .customer)
    let vendor = Actor(id: UUID(), role: .vendor)
    let admin = Actor(id: UUID(), role: .admin)

    /// An index holding the given streams.
    func makeAudience(_ streams: [Int: Actor]) -> EventAudience {
        var audience = EventAudience()
        for (id, actor) in streams { audience.insert(id, actor: actor) }
        return audience
    }

    // MARK: Candidates

    @Test func staffAreCandidatesForEveryOrderACustomerOnlyForTheirs() {
        let audience = makeAudience([1: alice, 2: alice, 3: bob, 4: vendor, 5: admin])
        #expect(Set(audience.candidates(forOrderOf: alice.id)) == [1, 2, 4, 5])
        #expect(Set(audience.candidates(forOrderOf: bob.id)) == [3, 4, 5])
        #expect(Set(audience.candidates(forOrderOf: UUID())) == [4, 5])
    }

    // MARK: Removal

    @Test func aRemovedStreamIsNoLongerACandidate() {
        var audience = makeAudience([1: alice, 2: alice, 3: vendor])
        audience.remove(1, actor: alice)
        audience.remove(3, actor: vendor)
        #expect(audience.candidates(forOrderOf: alice.id) == [2])
        audience.remove(2, actor: alice)
        #expect(audience.candidates(forOrderOf: alice.id).isEmpty)
        // Removing what is not there changes nothing.
        audience.remove(9, actor: bob)
        #expect(audience.candidates(forOrderOf: bob.id).isEmpty)
    }
}
