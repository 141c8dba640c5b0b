import Foundation
import NIOCore
import PostgresNIO

/// One row of a statement's answer, read by position (``decode(_:)``) or by column name
/// (``decode(_:column:)``).
public struct DatabaseRow: Sendable {
    @usableFromInline let cells: PostgresRandomAccessRow
    /// Whether every cell is binary whatever the row description says: postgres-nio 1.33.2's
    /// future prepared-statement API asks the server for binary results but keeps the row
    /// description of the preparation, which says "text" for every column.
    @usableFromInline let binary: Bool

    init(_ row: PostgresRow, binary: Bool = false) {
        cells = row.makeRandomAccess()
        self.binary = binary
    }

    /// What a read of a column the row does not have throws.
    @usableFromInline static let missingColumn = DatabaseError(code: .client, source: "DatabaseRow.missingColumn")

    /// How many columns the row has.
    public var count: Int { cells.count }

    /// Whether the row has a column of that name.
    public func contains(_ column: String) -> Bool { cells.contains(column) }

    /// The value of the column named `column`.
    @inlinable public func decode<Value: PostgresDecodable>(_ type: Value.Type, column: String) throws -> Value {
        guard cells.contains(column) else { throw Self.missingColumn }
        return try cell(cells[column]).decode(Value.self, context: .default)
    }

    /// The position of the column named `column`, the same in every row of one statement's
    /// answer: looked up once and read with ``decode(_:at:)``, where reading by name hashes the
    /// name for every cell.
    public func index(of column: String) throws -> Int {
        guard cells.contains(column) else { throw Self.missingColumn }
        return cells[column].columnIndex
    }

    /// ``index(of:)``, tried first at `expected` (where the caller's column list puts it): one
    /// name compared there instead of two hashed lookups, which cost a get_order 4 % of its
    /// instructions. A name the statement repeats is found at `expected` if it is there.
    public func index(of column: String, expectedAt expected: Int) throws -> Int {
        if cells.indices.contains(expected), cells[expected].columnName == column { return expected }
        return try index(of: column)
    }

    /// The value of the column at `index` (from ``index(of:)``): inlinable, as are the other
    /// decodes, so that a caller's module specializes it and postgres-nio's for the value's type;
    /// unspecialized, each cell looked its decoding context's generic metadata up at run time.
    @inlinable public func decode<Value: PostgresDecodable>(_ type: Value.Type, at index: Int) throws -> Value {
        guard cells.indices.contains(index) else { throw Self.missingColumn }
        return try cell(cells[index]).decode(Value.self, context: .default)
    }

    /// The record in the column at `index` (see ``DatabaseRecord``); an error when it is NULL.
    public func record(at index: Int) throws -> DatabaseRecord {
        guard cells.indices.contains(index) else { throw Self.missingColumn }
        let value = cell(cells[index])
        guard value.format == .binary, let bytes = value.bytes else { throw DatabaseRecords.malformed }
        return try DatabaseRecord(bytes)
    }

    /// The array of records in the column at `index` (see ``DatabaseRecords``).
    public func records(at index: Int) throws -> DatabaseRecords {
        guard cells.indices.contains(index) else { throw Self.missingColumn }
        return try DatabaseRecords(cell(cells[index]))
    }

    /// The `numeric` column named `column` as a `Decimal` (as ``decimal(at:)``).
    public func decimal(column: String) throws -> Decimal {
        try decimal(at: try index(of: column))
    }

    /// The `numeric` column at `index` as a `Decimal`, read from Postgres' binary form by
    /// arithmetic (``NumericBinary``; postgres-nio goes through the number's text, a tenth of a
    /// page of orders' CPU time); values of more than 16 digits, and every other form, by
    /// postgres-nio.
    public func decimal(at index: Int) throws -> Decimal {
        guard cells.indices.contains(index) else { throw Self.missingColumn }
        let value = cell(cells[index])
        if value.format == .binary, value.dataType == .numeric, let bytes = value.bytes, let decimal = NumericBinary.decimal(bytes) {
            return decimal
        }
        return try value.decode(Decimal.self, context: .default)
    }

    /// The row's first columns as `columns` (one type, or a tuple of them).
    @inlinable public func decode<each Column: PostgresDecodable>(_ columns: (repeat each Column).Type) throws -> (repeat each Column) {
        var index = 0
        func next<Value: PostgresDecodable>(_ type: Value.Type) throws -> Value {
            guard index < cells.count else { throw Self.missingColumn }
            defer { index += 1 }
            return try cell(cells[index]).decode(Value.self, context: .default)
        }
        return (repeat try next((each Column).self))
    }

    @usableFromInline func cell(_ cell: PostgresCell) -> PostgresCell {
        guard binary else { return cell }
        var cell = cell
        cell.format = .binary
        return cell
    }
}
