import Foundation
import TestSupport
import Testing

@testable import StackFloor
@testable import Store

/// The benchmark sets the gateway's order read beside pgbench's run of "the same statement" and
/// the stack floor's: the three must stay one read, or the shares it reports compare nothing.
@Suite("pgbench's statements")
struct PGBenchStatementTests {
    static let getOrderScript = SourceRule.root().appendingPathComponent("bench/pgbench/get_order.sql").path

    /// Whitespace runs as one space, none inside parentheses: how two spellings of one statement compare.
    static func normalized(_ sql: String) -> String {
        sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            .replacingOccurrences(of: "( ", with: "(").replacingOccurrences(of: " )", with: ")")
    }

    // MARK: Tests

    @Test func pgbenchAndTheFloorRunTheGatewaysOrderRead() throws {
        let floor = try #require(FloorOrderStatement.sql(fromPGBenchScript: Self.getOrderScript))
        #expect(Self.normalized(floor) == Self.normalized(OrderByIDStatement.sql))
    }

    @Test func theCreateTransactionsStatementsHaveNumberedParameters() throws {
        let script = try #require(PGBenchScript(path: SourceRule.root().appendingPathComponent("bench/pgbench/create_order.sql").path))
        #expect(script.statements.count == FloorCreateScript.stepCount, "BEGIN and COMMIT are the caller's")
        let numbered = script.statements.map(PGBenchScript.numbered)
        for (sql, variables) in numbered {
            // No pgbench variable left; every parameter used, from $1 on, each an int8.
            #expect(sql.range(of: #"(?<!:):[a-z]"#, options: .regularExpression) == nil, "\(sql)")
            for index in variables.indices { #expect(sql.contains("$\(index + 1)::int8")) }
            #expect(!sql.contains("$\(variables.count + 1)"))
        }
        #expect(numbered.map(\.variables) == [["u", "k"], ["u", "k", "p1", "p2", "p3"], ["p1", "p2", "p3", "u", "k"]])
        #expect(FloorCreateScript.load(path: SourceRule.root().appendingPathComponent("bench/pgbench/create_order.sql").path))
    }

    @Test func variablesAreNumberedButCastsAndLiteralsAreLeft() {
        let (sql, variables) = PGBenchScript.numbered("SELECT id::text || ':' || :k, :u, :k::text FROM t WHERE n = :u")
        #expect(sql == "SELECT id::text || ':' || $1::int8, $2::int8, $1::int8::text FROM t WHERE n = $2::int8")
        #expect(variables == ["k", "u"])
    }

    @Test func aScriptWithoutTheBenchLookupIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgbench-\(UUID().uuidString).sql").path
        defer { unlink(path) }
        try "\\set n random(1, 10)\nSELECT 1 FROM orders o WHERE o.id = :id;\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(FloorOrderStatement.sql(fromPGBenchScript: path) == nil)
        #expect(!FloorCreateScript.load(path: path), "one statement, not the create's three")
        #expect(FloorOrderStatement.sql(fromPGBenchScript: path + ".missing") == nil)
    }
}
