import Foundation
import NIOConcurrencyHelpers

/// pgbench's create_order transaction as the floor runs it: its statements with numbered
/// parameters, and a create's random picks of pgbench's variables over the bench's customers and
/// products.
enum FloorCreateScript {
    /// How many statements the transaction has between `BEGIN` and `COMMIT` (`FloorCreateStatement`'s steps).
    static let stepCount = 3
    /// Set once at start, before any connection prepares a step.
    static let statements = NIOLockedValueBox<[(sql: String, variables: [String])]>([])

    /// Reads the script at `path`; false unless it has ``stepCount`` statements whose variables
    /// are all ones ``picks(users:products:)`` makes.
    static func load(path: String) -> Bool {
        guard let script = PGBenchScript(path: path), script.statements.count == stepCount else { return false }
        let numbered = script.statements.map(PGBenchScript.numbered)
        let known = Set(picks(users: 1, products: 1).keys)
        guard numbered.allSatisfy({ $0.variables.allSatisfy(known.contains) }) else { return false }
        statements.withLockedValue { $0 = numbered }
        return true
    }

    /// pgbench's `\set`s: a customer, three products, and an idempotency key.
    static func picks(users: Int, products: Int) -> [String: Int] {
        [
            "u": Int.random(in: 1...users), "p1": Int.random(in: 1...products), "p2": Int.random(in: 1...products),
            "p3": Int.random(in: 1...products), "k": Int.random(in: 1...1_000_000_000_000),
        ]
    }
}
