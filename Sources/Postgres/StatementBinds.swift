import Foundation
import NIOCore
import PostgresNIO

/// The parameters of a ``PreparedStatement``, each encoded as `PostgresBindings` would encode it.
public struct StatementBinds: Sendable {
    /// In the form postgres-nio's future prepared-statement API takes.
    @usableFromInline private(set) var values: [PostgresData] = []

    public init() {}

    /// Appends `value`, or NULL: inlinable, so that a statement's module specializes it for each
    /// type it binds (unspecialized, each bind looked `Optional`'s metadata up at run time).
    @inlinable public mutating func append<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value?) throws {
        guard let value else {
            values.append(PostgresData(type: .null))
            return
        }
        var buffer = ByteBuffer()
        try value.encode(into: &buffer, context: .default)
        values.append(PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer))
    }

    /// Appends `value` as `numeric`, or NULL: money's amounts by ``NumericBinary`` (postgres-nio
    /// writes a `Decimal`'s text and reads it back, 18,000 instructions an amount), any other
    /// value as postgres-nio encodes it.
    public mutating func append(_ value: Decimal?) throws {
        guard let value else {
            values.append(PostgresData(type: .null))
            return
        }
        var buffer = ByteBuffer()
        guard NumericBinary.write(value, into: &buffer) else {
            try value.encode(into: &buffer, context: .default)
            values.append(PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer))
            return
        }
        values.append(PostgresData(type: .numeric, formatCode: .binary, value: buffer))
    }
}
