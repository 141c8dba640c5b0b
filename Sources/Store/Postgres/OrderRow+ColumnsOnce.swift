import Postgres
import Synchronization

extension OrderRow {
    /// A prepared statement's ``Columns``, looked up by name in its first answer and kept: one
    /// statement text answers with the same columns every time, and looking them up in every
    /// answer cost a get_order 3 % of its instructions.
    final class ColumnsOnce: Sendable {
        private let found = Mutex<Columns?>(nil)

        /// The columns of the statement `row` answers.
        func columns(of row: DatabaseRow) throws -> Columns {
            if let columns = found.withLock({ $0 }) { return columns }
            let columns = try Columns(of: row)
            found.withLock { $0 = columns }
            return columns
        }
    }
}
