import PostgresNIO

/// One row of a statement's answer, read by position (``decode(_:)``) or by column name
/// (``decode(_:column:)``).
public struct DatabaseRow: Sendable {
    let cells: PostgresRandomAccessRow
    /// Whether every cell is binary whatever the row description says: postgres-nio 1.33.2's
    /// future prepared-statement API asks the server for binary results but keeps the row
    /// description of the preparation, which says "text" for every column.
    let binary: Bool

    init(_ row: PostgresRow, binary: Bool = false) {
        cells = row.makeRandomAccess()
        self.binary = binary
    }

    /// How many columns the row has.
    public var count: Int { cells.count }

    /// Whether the row has a column of that name.
    public func contains(_ column: String) -> Bool { cells.contains(column) }

    /// The value of the column named `column`.
    public func decode<Value: PostgresDecodable>(_ type: Value.Type, column: String) throws -> Value {
        guard cells.contains(column) else { throw DatabaseError(code: .client, source: "DatabaseRow.missingColumn") }
        return try cell(cells[column]).decode(Value.self, context: .default)
    }

    /// The row's first columns as `columns` (one type, or a tuple of them).
    public func decode<each Column: PostgresDecodable>(_ columns: (repeat each Column).Type) throws -> (repeat each Column) {
        var index = 0
        func next<Value: PostgresDecodable>(_ type: Value.Type) throws -> Value {
            guard index < cells.count else { throw DatabaseError(code: .client, source: "DatabaseRow.missingColumn") }
            defer { index += 1 }
            return try cell(cells[index]).decode(Value.self, context: .default)
        }
        return (repeat try next((each Column).self))
    }

    private func cell(_ cell: PostgresCell) -> PostgresCell {
        guard binary else { return cell }
        var cell = cell
        cell.format = .binary
        return cell
    }
}
