import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Postgres

/// pgbench's get_order statement with the order's id as its parameter; its one cell (the order
/// with its payment and lines as a record, in Postgres's binary form) read as bytes.
struct FloorOrderStatement: PreparedStatement {
    /// Set once at start, from pgbench's script, before any connection prepares it.
    static let text = NIOLockedValueBox("")
    static var sql: String { text.withLockedValue { $0 } }

    var id: UUID

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(id)
    }

    func decodeRow(_ row: DatabaseRow) throws -> ByteBuffer { try row.decode(ByteBuffer.self, at: 0) }

    /// The statement of pgbench's script at `path`, the bench table's lookup of a random order
    /// replaced by the parameter. Nil unless the script is one statement with that lookup (the
    /// two would no longer be the same read).
    static func sql(fromPGBenchScript path: String) -> String? {
        let lookup = "(SELECT id FROM bench_orders WHERE n = :n)"
        guard let statements = PGBenchScript(path: path)?.statements, statements.count == 1, statements[0].contains(lookup) else {
            return nil
        }
        return statements[0].replacingOccurrences(of: lookup, with: "$1::uuid")
    }
}
