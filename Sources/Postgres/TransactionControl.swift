/// A transaction's own statements, prepared once per connection like any hot statement: sent
/// unprepared, each was parsed and described by the server and its messages built anew for every
/// transaction (a create runs two, every transition batch two).
enum TransactionControl {
    /// All three, for ``Database/warm(connections:preparing:hold:)``.
    static let statements: [any PreparedStatement.Type] = [Begin.self, Commit.self, Rollback.self]

    struct Begin: PreparedStatement {
        static let sql = "BEGIN"
        func bind(to binds: inout StatementBinds) {}
        func decodeRow(_ row: DatabaseRow) -> Int { 0 }
    }

    /// Ends an aborted transaction too, as a rollback (the server takes a transaction's end even
    /// then, prepared or not).
    struct Commit: PreparedStatement {
        static let sql = "COMMIT"
        func bind(to binds: inout StatementBinds) {}
        func decodeRow(_ row: DatabaseRow) -> Int { 0 }
    }

    struct Rollback: PreparedStatement {
        static let sql = "ROLLBACK"
        func bind(to binds: inout StatementBinds) {}
        func decodeRow(_ row: DatabaseRow) -> Int { 0 }
    }
}
