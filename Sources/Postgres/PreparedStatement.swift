import PostgresNIO

/// A statement run often enough to be parsed and planned once per connection (the hot paths:
/// placing an order, reading one, recording events), run through
/// ``DatabaseConnection/execute(_:logger:)``.
///
/// It is prepared without parameter types (postgres-nio's future API, which never leaves a row
/// stream waiting, takes none), so ``sql`` casts every parameter to its type (`$1::uuid`): the
/// server must not have to guess what the binary value it is sent means.
///
/// Planned once only if Postgres keeps its generic plan: it plans the first five runs for their
/// values, then goes on planning every run while those plans look cheaper than the generic one,
/// and planning costs about as much as running. A `LIMIT`, an array's length or a customer's
/// row count all make the plan for the values look cheaper, so ``sql`` reads such a parameter
/// through a scalar subquery, `(SELECT $2::int8)`: Postgres evaluates it once per run (an
/// InitPlan) and costs both plans alike, without the value. An array for `= ANY` is cast once
/// more, `ANY((SELECT $1::uuid[])::uuid[])`, or the parser reads `ANY (subquery)`, a set of
/// rows. The plan is still the one the values would have chosen: each statement finds its rows
/// by key, whatever the values.
public protocol PreparedStatement: Sendable {
    associatedtype Row: Sendable
    /// The SQL, every parameter cast to its type.
    static var sql: String { get }
    /// Appends the parameters, in order.
    func bind(to binds: inout StatementBinds) throws
    func decodeRow(_ row: DatabaseRow) throws -> Row
}
