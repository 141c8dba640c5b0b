import NIOCore
import PostgresNIO

/// An array of `record`s (`ARRAY(SELECT row(…) …)`, in a cell or a record's field) in Postgres'
/// binary form, read record by record: a statement can return a parent with its children in one
/// row instead of repeating the parent's columns on a row per child. postgres-nio reads neither
/// records nor arrays of them.
public struct DatabaseRecords: Sendable {
    /// The records not read yet, each its length then its bytes.
    @usableFromInline var buffer: ByteBuffer
    /// How many records are left.
    public private(set) var remaining: Int

    /// What reading a cell that is not such an array, or is cut short, throws.
    public static let malformed = DatabaseError(code: .client, source: "DatabaseRecords.malformed")

    /// The records of `cell`: a one-dimensional array (or an empty one), never NULL, whose
    /// elements are never NULL.
    init(_ cell: PostgresCell) throws {
        guard cell.format == .binary, let bytes = cell.bytes else { throw Self.malformed }
        try self.init(bytes)
    }

    /// The records of an array's binary form.
    init(_ bytes: ByteBuffer) throws {
        var bytes = bytes
        guard let dimensions = bytes.readInteger(as: Int32.self),
            bytes.readInteger(as: Int32.self) != nil, bytes.readInteger(as: UInt32.self) != nil
        else { throw Self.malformed }
        switch dimensions {
        case 0:
            remaining = 0
        case 1:
            // Each record takes at least its length's four bytes: a count beyond that is no array.
            guard let count = bytes.readInteger(as: Int32.self), count >= 0, bytes.readInteger(as: Int32.self) != nil,
                Int(count) <= bytes.readableBytes / 4
            else { throw Self.malformed }
            remaining = Int(count)
        default:
            throw Self.malformed
        }
        buffer = bytes
    }

    /// The next record, or nil after the last.
    public mutating func next() throws -> DatabaseRecord? {
        guard remaining > 0 else { return nil }
        guard let length = buffer.readInteger(as: Int32.self), length >= 0,
            let bytes = buffer.readSlice(length: Int(length))
        else { throw Self.malformed }
        remaining -= 1
        return try DatabaseRecord(bytes)
    }
}
