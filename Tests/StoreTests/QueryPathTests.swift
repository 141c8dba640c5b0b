import Foundation
import TestSupport
import Testing

/// Every statement goes through `Database` (`Sources/Postgres`): postgres-nio 1.33.2's async row
/// sequence traps the process when Postgres closes the socket while the sequence waits for its
/// consumer (docs/postgres-nio-pool-restart.md). Outside that target no code, test code
/// included, may name what runs statements another way.
@Suite("Query path")
struct QueryPathTests {
    /// postgres-nio's ways to run a statement, or to hold what runs one. `PostgresClient.Configuration`
    /// (settings, not a client) is allowed.
    static let rule = SourceRule(
        forbidding:
            #"PostgresClient(?!\.Configuration)|PostgresConnection|PostgresRowSequence|PostgresPreparedStatement|PreparedQuery|PSQLRowStream|PostgresDatabase\b|withTransaction\(|\.withRows\("#
    )

    static func violations(in text: String) -> [String] { rule.violations(in: text) }

    // MARK: Tests

    @Test func onlyTheDatabaseRunsStatements() throws {
        let files = SourceRule.swiftFiles(under: "Sources") + SourceRule.swiftFiles(under: "Tests")
        #expect(files.count > 200, "found only \(files.count) Swift files")
        var found: [String] = []
        for (path, file) in files {
            if path.hasPrefix("Sources/Postgres/") || path.hasSuffix("/QueryPathTests.swift") { continue }
            found += Self.violations(in: try String(contentsOf: file, encoding: .utf8)).map { "\(path): \($0)" }
        }
        #expect(found.isEmpty, "statements outside Database: \(found)")
        #expect(FileManager.default.fileExists(atPath: SourceRule.root().appendingPathComponent("Sources/Postgres/Database.swift").path))
    }

    @Test func theRuleSeesWhatBreaksIt() {
        #expect(Self.violations(in: "try await client.withConnection { (c: PostgresConnection) in }").count == 1)
        #expect(Self.violations(in: "for try await row in rows as PostgresRowSequence {}").count == 1)
        #expect(Self.violations(in: "let client = PostgresClient(configuration: c)").count == 1)
        #expect(Self.violations(in: "struct Lock: PostgresPreparedStatement {}").count == 1)
        #expect(Self.violations(in: "var configuration: PostgresClient.Configuration").isEmpty)
        #expect(Self.violations(in: "    /// A `PostgresClient` named in a comment").isEmpty)
        #expect(Self.violations(in: "try await database.transaction(logger: logger) { _ in }").isEmpty)
    }
}
