import Foundation
import TestSupport
import Testing

/// The console is a front end like the API: its pages call the business operations and never the
/// stores under them, so no rule can be decided twice. The console shares the gateway's target
/// (docs/ARCHITECTURE.md says why), so this test keeps the boundary a target would.
@Suite("Console boundary")
struct ConsoleBoundaryTests {
    /// What reaches past the operations: the store clients, a repository, a store of Redis keys,
    /// SQL. (`StoreHealth`, the health endpoints' read-only probe, is allowed: the operations page
    /// shows it.)
    static let rule = SourceRule(
        forbidding:
            #"^import (Postgres|PostgresNIO|Redis)\b|\b(Database|DatabaseConnection|RedisClient|RedisCommand|CartStore|SessionStore|OrderTransitions)\b|\w+Repository\b|\bSELECT\b|\bUPDATE\b .* SET\b"#
    )

    static func violations(in text: String) -> [String] { rule.violations(in: text) }

    @Test func consolePagesCallOnlyOperations() throws {
        let sources = SourceRule.swiftFiles(under: "Sources/Gateway/Console")
        #expect(sources.count > 20, "found only \(sources.count) console sources")
        var found: [String] = []
        for (path, file) in sources {
            found += Self.violations(in: try String(contentsOf: file, encoding: .utf8)).map { "\(path): \($0)" }
        }
        #expect(found.isEmpty, "the console reaches past the operations: \(found)")
    }

    @Test func theRuleSeesWhatBreaksIt() {
        #expect(Self.violations(in: "import Redis").count == 1)
        #expect(Self.violations(in: "    let users: any UserRepository").count == 1)
        #expect(Self.violations(in: "    let carts: CartStore").count == 1)
        #expect(Self.violations(in: "    let carts: CartOperations").isEmpty)
        #expect(Self.violations(in: "    // a CartStore named in a comment").isEmpty)
    }
}
