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

    @Test func aScriptWithoutTheBenchLookupIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgbench-\(UUID().uuidString).sql").path
        defer { unlink(path) }
        try "\\set n random(1, 10)\nSELECT 1 FROM orders o WHERE o.id = :id;\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(FloorOrderStatement.sql(fromPGBenchScript: path) == nil)
        #expect(FloorOrderStatement.sql(fromPGBenchScript: path + ".missing") == nil)
    }
}
