import NIOConcurrencyHelpers
import NIOCore
import Postgres

/// Statement `step` of pgbench's create_order transaction, its variables bound from one
/// create's random picks; each row's first cell read as bytes (the last statement's is the
/// order placed). One type per step: a connection prepares each statement once, by type.
struct FloorCreateStatement<let step: Int>: PreparedStatement {
    static var sql: String { FloorCreateScript.statements.withLockedValue { $0[step].sql } }

    var picks: [String: Int]

    func bind(to binds: inout StatementBinds) throws {
        for name in FloorCreateScript.statements.withLockedValue({ $0[step].variables }) {
            try binds.append(picks[name] ?? 0)
        }
    }

    func decodeRow(_ row: DatabaseRow) throws -> ByteBuffer? { try row.decode(ByteBuffer?.self, at: 0) }
}
