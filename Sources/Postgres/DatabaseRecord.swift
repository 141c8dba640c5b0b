import Foundation
import NIOCore
import PostgresNIO

/// One `record` (of ``DatabaseRecords``, a cell's or another record's field): its fields read in
/// the order the statement's `row(…)` lists them, each with the type Postgres sent it as.
///
/// Fields of the types an order is made of (`uuid`, text, `timestamptz`, integers, `numeric`)
/// are read from the record's bytes in place, the way postgres-nio reads them; others through
/// postgres-nio. Each field through postgres-nio took a `ByteBuffer` slice and its checked reads
/// (1,000 instructions a field, a third of a read of one order).
public struct DatabaseRecord: Sendable {
    /// The record's fields, each its type, its length (-1 for NULL) and its bytes.
    @usableFromInline let buffer: ByteBuffer
    /// Where the next field starts, from `buffer`'s reader index.
    @usableFromInline var offset = 0
    /// How many fields are left.
    @usableFromInline var remaining: Int

    /// A field: its type, where its bytes start (from `buffer`'s reader index) and their
    /// length, -1 for NULL.
    @usableFromInline typealias Field = (type: PostgresDataType, at: Int, length: Int)

    init(_ bytes: ByteBuffer) throws {
        var bytes = bytes
        guard let count = bytes.readInteger(as: Int32.self), count >= 0 else { throw DatabaseRecords.malformed }
        buffer = bytes
        remaining = Int(count)
    }

    /// The next field as `type` (an optional type for a field that can be NULL): inlinable, so
    /// a caller's module specializes it for the type (and the checks of `Value` below fold).
    @inlinable public mutating func next<Value: PostgresDecodable>(_ type: Value.Type) throws -> Value {
        let field = try nextField()
        if Value.self == UUID.self, let value = uuid(field) { return value as! Value }
        if Value.self == String.self, let value = string(field) { return value as! Value }
        if Value.self == String?.self {
            if field.length < 0 { return String?.none as! Value }
            if let value = string(field) { return String?.some(value) as! Value }
        }
        if Value.self == Date.self, let value = date(field) { return value as! Value }
        if Value.self == Int.self, let value = int(field) { return value as! Value }
        var bytes = field.length < 0 ? nil : buffer.getSlice(at: buffer.readerIndex + field.at, length: field.length)
        return try Value._decodeRaw(from: &bytes, type: field.type, format: .binary, context: .default)
    }

    /// The next field, a `numeric`, as a `Decimal` (as ``DatabaseRow/decimal(at:)`` reads one).
    public mutating func nextDecimal() throws -> Decimal {
        let field = try nextField()
        if field.type == .numeric, field.length >= 0,
            let decimal = buffer.withUnsafeReadableBytes({
                NumericBinary.decimal(UnsafeRawBufferPointer(rebasing: $0[field.at..<field.at + field.length]))
            })
        {
            return decimal
        }
        var bytes = field.length < 0 ? nil : buffer.getSlice(at: buffer.readerIndex + field.at, length: field.length)
        return try Decimal._decodeRaw(from: &bytes, type: field.type, format: .binary, context: .default)
    }

    /// The next field, a record (`row(…)`, or a composite type's value), or nil when it is NULL.
    public mutating func nextRecord() throws -> DatabaseRecord? {
        guard let bytes = try nextBytes() else { return nil }
        return try DatabaseRecord(bytes)
    }

    /// The next field, an array of records; an error when it is NULL.
    public mutating func nextRecords() throws -> DatabaseRecords {
        guard let bytes = try nextBytes() else { throw DatabaseRecords.malformed }
        return try DatabaseRecords(bytes)
    }

    // MARK: Fields

    /// The next field's bytes as a slice (nil for NULL).
    mutating func nextBytes() throws -> ByteBuffer? {
        let field = try nextField()
        return field.length < 0 ? nil : buffer.getSlice(at: buffer.readerIndex + field.at, length: field.length)
    }

    /// The next field's type and place; an error when the record has no more fields or its
    /// bytes end before the field's.
    @inlinable mutating func nextField() throws -> Field {
        let start = offset
        let header: (type: UInt32, length: Int)? = buffer.withUnsafeReadableBytes { raw in
            guard raw.count - start >= 8 else { return nil }
            let length = Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: start + 4, as: Int32.self)))
            guard length <= raw.count - start - 8 else { return nil }
            return (UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)), length)
        }
        guard remaining > 0, let header else { throw DatabaseRecords.malformed }
        remaining -= 1
        offset = start + 8 + max(header.length, 0)
        return (PostgresDataType(header.type), start + 8, header.length)
    }

    /// A `uuid` field's value; nil for any other (postgres-nio then reads it or says why not).
    @inlinable func uuid(_ field: Field) -> UUID? {
        guard field.type == .uuid, field.length == 16 else { return nil }
        return buffer.withUnsafeReadableBytes { UUID(uuid: $0.loadUnaligned(fromByteOffset: field.at, as: uuid_t.self)) }
    }

    /// A text field's value (`text`, `varchar`, `name`, `bpchar`: postgres-nio's string types
    /// in the binary format), with invalid UTF-8 repaired as postgres-nio's `String` does.
    @inlinable func string(_ field: Field) -> String? {
        guard field.length >= 0, field.type == .text || field.type == .varchar || field.type == .name || field.type == .bpchar
        else { return nil }
        return buffer.withUnsafeReadableBytes {
            String(decoding: UnsafeRawBufferPointer(rebasing: $0[field.at..<field.at + field.length]), as: UTF8.self)
        }
    }

    /// A `timestamptz` or `timestamp` field's instant, by postgres-nio's arithmetic (so the
    /// same `Date`, to the bit).
    @inlinable func date(_ field: Field) -> Date? {
        guard field.type == .timestamptz || field.type == .timestamp, field.length == 8 else { return nil }
        let microseconds = buffer.withUnsafeReadableBytes { Int64(bigEndian: $0.loadUnaligned(fromByteOffset: field.at, as: Int64.self)) }
        return Date(timeInterval: Double(microseconds) / 1_000_000, since: Self.postgresEpoch)
    }

    /// An `int8`, `int4` or `int2` field's value.
    @inlinable func int(_ field: Field) -> Int? {
        buffer.withUnsafeReadableBytes { raw in
            switch (field.type, field.length) {
            case (.int8, 8): Int(Int64(bigEndian: raw.loadUnaligned(fromByteOffset: field.at, as: Int64.self)))
            case (.int4, 4): Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: field.at, as: Int32.self)))
            case (.int2, 2): Int(Int16(bigEndian: raw.loadUnaligned(fromByteOffset: field.at, as: Int16.self)))
            default: nil
            }
        }
    }

    /// Midnight of 2000-01-01 UTC, from which Postgres counts its instants.
    @usableFromInline static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
}
