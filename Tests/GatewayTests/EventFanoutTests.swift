import Store
import Testing

@testable import Gateway

@Suite("Event fan-out")
struct EventFanoutTests {
    // MARK: Helpers

    /// Entries at `positions` (their JSON is not read here).
    func entries(_ positions: [Int64]) -> [OrderEventStream.Entry] {
        positions.map { OrderEventStream.Entry(position: $0, json: []) }
    }

    /// The positions a batch assembles to, and the holes it asked Postgres for.
    func assemble(_ positions: [Int64], after last: Int64, unreadable: Set<Int64> = []) async throws -> (
        items: [Int64], holes: [ClosedRange<Int64>]
    ) {
        var holes: [ClosedRange<Int64>] = []
        let items = try await EventFanout.assemble(entries(positions), after: last) { after, through in
            holes.append((after + 1)...through)
            return Array((after + 1)...through)
        } decode: { entry in
            unreadable.contains(entry.position) ? nil : entry.position
        }
        return (items, holes)
    }

    // MARK: Holes in a batch

    @Test func aBatchWithoutHolesAsksPostgresNothing() async throws {
        let batch = try await assemble([11, 12, 13], after: 10)
        #expect(batch.items == [11, 12, 13])
        #expect(batch.holes.isEmpty)
    }

    @Test func holesBeforeAndInsideABatchAreFilledInOrder() async throws {
        let batch = try await assemble([12, 13, 16, 17, 19], after: 10)
        #expect(batch.holes == [11...11, 14...15, 18...18])
        #expect(batch.items == Array(11...19))
    }

    @Test func anUnreadableEntryIsLeftOutWithoutBeingTakenForAHole() async throws {
        let batch = try await assemble([11, 12, 13], after: 10, unreadable: [12])
        #expect(batch.items == [11, 13])
        #expect(batch.holes.isEmpty)
    }

    @Test func entriesAtOrBeforeThePositionAlreadyFannedOutAreSkipped() async throws {
        let batch = try await assemble([9, 10, 12], after: 10)
        #expect(batch.items == [11, 12])
        #expect(batch.holes == [11...11])
    }
}
