import Foundation
import NIOCore
import PostgresNIO

/// One `record` (of ``DatabaseRecords``, a cell's or another record's field): its fields read in
/// the order the statement's `row(…)` lists them, each with the type Postgres sent it as.
public struct DatabaseRecord: Sendable {
    /// The fields not read yet, each its type, its length (-1 for NULL) and its bytes.
    @usableFromInline var buffer: ByteBuffer
    /// How many fields are left.
    @usableFromInline var remaining: Int

    init(_ bytes: ByteBuffer) throws {
        var bytes = bytes
        guard let count = bytes.readInteger(as: Int32.self), count >= 0 else { throw DatabaseRecords.malformed }
        buffer = bytes
        remaining = Int(count)
    }

    /// The next field as `type` (an optional type for a field that can be NULL): inlinable, so
    /// a caller's module specializes postgres-nio's decoding for the type.
    @inlinable public mutating func next<Value: PostgresDecodable>(_ type: Value.Type) throws -> Value {
        var (dataType, bytes) = try field()
        return try Value._decodeRaw(from: &bytes, type: dataType, format: .binary, context: .default)
    }

    /// The next field, a `numeric`, as a `Decimal` (as ``DatabaseRow/decimal(at:)`` reads one).
    public mutating func nextDecimal() throws -> Decimal {
        var (dataType, bytes) = try field()
        if dataType == .numeric, let numeric = bytes, let decimal = NumericBinary.decimal(numeric) { return decimal }
        return try Decimal._decodeRaw(from: &bytes, type: dataType, format: .binary, context: .default)
    }

    /// The next field, a record (`row(…)`, or a composite type's value), or nil when it is NULL.
    public mutating func nextRecord() throws -> DatabaseRecord? {
        guard let bytes = try field().1 else { return nil }
        return try DatabaseRecord(bytes)
    }

    /// The next field, an array of records; an error when it is NULL.
    public mutating func nextRecords() throws -> DatabaseRecords {
        guard let bytes = try field().1 else { throw DatabaseRecords.malformed }
        return try DatabaseRecords(bytes)
    }

    /// The next field's type and bytes (nil for NULL).
    @usableFromInline mutating func field() throws -> (PostgresDataType, ByteBuffer?) {
        guard remaining > 0, let (type, length) = buffer.readMultipleIntegers(as: (UInt32, Int32).self) else {
            throw DatabaseRecords.malformed
        }
        remaining -= 1
        guard length >= 0 else { return (PostgresDataType(type), nil) }
        guard let bytes = buffer.readSlice(length: Int(length)) else { throw DatabaseRecords.malformed }
        return (PostgresDataType(type), bytes)
    }
}
