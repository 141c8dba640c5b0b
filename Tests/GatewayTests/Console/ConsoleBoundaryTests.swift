import Foundation
import Testing

/// The console is a front end like the API: its pages call the business operations and never the
/// stores under them, so no rule can be decided twice. The console shares the gateway's target
/// (docs/ARCHITECTURE.md says why), so this test keeps the boundary a target would.
@Suite("Console boundary")
struct ConsoleBoundaryTests {
    /// The console's sources.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/Gateway/Console")

    /// What reaches past the operations: the store clients, a repository, a store of Redis keys,
    /// SQL. (`StoreHealth`, the health endpoints' read-only probe, is allowed: the operations page
    /// shows it.)
    static let forbidden =
        #"^import (Postgres|PostgresNIO|Redis)\b|\b(Database|DatabaseConnection|RedisClient|RedisCommand|CartStore|SessionStore|OrderTransitions)\b|\w+Repository\b|\bSELECT\b|\bUPDATE\b .* SET\b"#

    /// The lines of `text` that break the rule (comments are not code).
    static func violations(in text: String) -> [String] {
        let pattern = try! Regex(forbidden)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains(pattern)
        }
    }

    @Test func consolePagesCallOnlyOperations() throws {
        let files = FileManager.default.enumerator(at: Self.folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let sources = files.filter { $0.pathExtension == "swift" }
        #expect(sources.count > 20, "found only \(sources.count) console sources under \(Self.folder.path)")
        var found: [String] = []
        for file in sources {
            found += Self.violations(in: try String(contentsOf: file, encoding: .utf8)).map { "\(file.lastPathComponent): \($0)" }
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
