import PostgresNIO

/// A statement run often enough to be parsed and planned once per connection (the hot paths:
/// placing an order, reading one, recording events), run through
/// ``DatabaseConnection/execute(_:logger:)``.
///
/// It is prepared without parameter types (postgres-nio's future API, which never leaves a row
/// stream waiting, takes none), so ``sql`` casts every parameter to its type (`$1::uuid`): the
/// server must not have to guess what the binary value it is sent means.
public protocol PreparedStatement: Sendable {
    associatedtype Row: Sendable
    /// The SQL, every parameter cast to its type.
    static var sql: String { get }
    /// Appends the parameters, in order.
    func bind(to binds: inout StatementBinds) throws
    func decodeRow(_ row: DatabaseRow) throws -> Row
}
