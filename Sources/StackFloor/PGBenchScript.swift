import Foundation
import Postgres

/// The SQL statements of one of the bench's pgbench scripts (`bench/pgbench/*.sql`), so the floor
/// runs exactly what pgbench runs: comment lines and `\set` meta-commands dropped, statements
/// split by the migrations' `SQLScript`, a transaction's `BEGIN` and `COMMIT` left to the caller.
struct PGBenchScript {
    var statements: [String]

    init?(path: String) {
        guard let script = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        // pgbench's meta-commands and comments are whole lines; the rest is SQL to split.
        let sql = script.split(separator: "\n", omittingEmptySubsequences: false)
            .filter {
                let trimmed = $0.trimmingCharacters(in: .whitespaces)
                return !trimmed.hasPrefix("--") && !trimmed.hasPrefix("\\")
            }
            .joined(separator: "\n")
        let statements = SQLScript.statements(sql).filter { !["BEGIN", "COMMIT"].contains($0.uppercased()) }
        guard !statements.isEmpty else { return nil }
        self.statements = statements
    }

    /// `statement` with its pgbench variables (`:name`, never a `::type` cast) as parameters
    /// `$1`, `$2`… by first appearance, each an `int8` as pgbench's are; and the variables' names
    /// in that order.
    static func numbered(_ statement: String) -> (sql: String, variables: [String]) {
        var variables: [String] = []
        var sql = ""
        var index = statement.startIndex
        while index < statement.endIndex {
            let character = statement[index]
            let next = statement.index(after: index)
            let isVariable =
                character == ":" && next < statement.endIndex && statement[next].isLetter
                && (index == statement.startIndex || statement[statement.index(before: index)] != ":")
            guard isVariable else {
                sql.append(character)
                index = next
                continue
            }
            let end = statement[next...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? statement.endIndex
            let name = String(statement[next..<end])
            if !variables.contains(name) { variables.append(name) }
            sql += "$\(variables.firstIndex(of: name)! + 1)::int8"
            index = end
        }
        return (sql, variables)
    }
}
