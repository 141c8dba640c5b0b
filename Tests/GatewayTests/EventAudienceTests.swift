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

    @Test func staffAreCandidatesForEveryOrderACustomerOnlyForTheirs() {
        var audience = EventAudience()
        audience.insert(1, actor: alice)
        audience.insert(2, actor: alice)
        audience.insert(3, actor: bob)
        audience.insert(4, actor: vendor)
        audience.insert(5, actor: admin)
        #expect(Set(audience.candidates(forOrderOf: alice.id)) == [1, 2, 4, 5])
        #expect(Set(audience.candidates(forOrderOf: bob.id)) == [3, 4, 5])
        #expect(Set(audience.candidates(forOrderOf: UUID())) == [4, 5])
    }

    @Test func aRemovedStreamIsNoLongerACandidate() {
        var audience = EventAudience()
        audience.insert(1, actor: alice)
        audience.insert(2, actor: alice)
        audience.insert(3, actor: vendor)
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
